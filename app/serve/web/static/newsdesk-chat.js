// The Ask tab's keyboard and copy behaviour (issue 17). Runs once per page (gr.HTML js_on_load).
// Esc stops a running answer; each answer's Copy button copies it as Markdown with its sources; controls that gradio
// renders without a name get an ARIA label.
if (!window.__ndChat) {
  window.__ndChat = true;
  const running = () => !!document.querySelector('#nd-chat .nd-streaming, #nd-chat .nd-pending');

  document.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Escape' || ev.defaultPrevented || !running()) return;
    const stop = document.querySelector('#nd-stop');
    if (stop) { ev.preventDefault(); stop.click(); }
  });

  const copyText = async (text) => {
    if (navigator.clipboard && window.isSecureContext) { await navigator.clipboard.writeText(text); return; }
    const area = document.createElement('textarea');  // plain-http hosts other than loopback have no Clipboard API
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.left = '-9999px';
    document.body.appendChild(area); area.select(); document.execCommand('copy'); area.remove();
  };

  document.addEventListener('click', (ev) => {
    const btn = ev.target.closest ? ev.target.closest('button.nd-copy') : null;
    if (!btn) return;
    ev.preventDefault(); ev.stopPropagation();  // not a message selection
    copyText(btn.dataset.ndCopy || '').then(() => {
      btn.textContent = 'Copied'; btn.classList.add('nd-copied');
      setTimeout(() => { btn.textContent = 'Copy'; btn.classList.remove('nd-copied'); }, 1500);
    }, () => { btn.textContent = 'Copy failed'; });
  }, true);

  // Names for controls gradio leaves unnamed (the chat log, the history list), re-applied as the page re-renders.
  const LABELS = [
    ['#nd-chat [role="log"], #nd-chat .bubble-wrap', 'Conversation: questions and verified answers'],
    ['#nd-history [role="group"], #nd-history[role="group"], #nd-history fieldset, fieldset#nd-history', 'Saved conversations'],
    ['#nd-question textarea', 'Question'],
  ];
  const label = () => {
    for (const [sel, name] of LABELS) {
      document.querySelectorAll(sel).forEach((el) => { if (!el.getAttribute('aria-label')) el.setAttribute('aria-label', name); });
    }
  };
  label();
  new MutationObserver(label).observe(document.body, {childList: true, subtree: true});
}
