// Clicking a [n] scrolls to and flashes its source card. The card may render a moment later (the sources panel
// first switches to the clicked answer), so the lookup retries briefly. Runs once per page (gr.HTML js_on_load).
if (!window.__ndCites) {
  window.__ndCites = true;
  document.addEventListener('click', (ev) => {
    const a = ev.target.closest ? ev.target.closest('a.nd-cite') : null;
    if (!a) return;
    ev.preventDefault();
    const id = 'nd-src-' + a.dataset.ndScope + '-' + a.dataset.ndN;
    let tries = 0;
    const go = () => {
      const el = document.getElementById(id);
      if (!el) { if (++tries < 60) setTimeout(go, 50); return; }
      el.scrollIntoView({behavior: 'smooth', block: 'nearest'});
      el.classList.remove('nd-flash'); void el.offsetWidth; el.classList.add('nd-flash');
      el.setAttribute('tabindex', '-1'); el.focus({preventScroll: true});  // keyboard users land on the source
    };
    go();
  }, true);
}
