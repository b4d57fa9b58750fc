"""Sentiment accuracy, macro-F1 and confusion per language on the committed set, and throughput."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain import sentiment  # noqa: E402
from domain.sentiment.evaluation import Result, evaluate, load  # noqa: E402

DATA = ROOT / "tests" / "data" / "sentiment"


def print_report(name: str, result: Result, show_misses: bool) -> None:
    print(f"\n{name}: n={result.n}  accuracy={result.accuracy:.3f}  "
          f"macro-F1={result.macro_f1:.3f}")
    print("  gold \\ predicted " + "".join(f"{p:>10}" for p in sentiment.LABELS))
    for gold in sentiment.LABELS:
        print(f"  {gold:<17}" + "".join(f"{result.confusion[gold, p]:>10}"
                                        for p in sentiment.LABELS))
    print("  right by kind: " + ", ".join(
        f"{kind} {right}/{total}" for kind, (right, total) in sorted(result.by_kind.items())))
    if show_misses:
        for row, guess in result.misses:
            print(f"    {row.label[:3]}->{guess[:3]} [{row.kind}] {row.text}")


def throughput(texts: list[str], languages: list[str | None], seconds: float) -> float:
    """Texts classified a second, one process and one core, batches of 100."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for i in range(0, len(texts), 100):
            sentiment.classify_many(texts[i:i + 100], languages[i:i + 100])
        done += len(texts)
    return done / (time.perf_counter() - start)


def detection(rows_by_language: dict[str, list[str]]) -> None:
    """How often detect_language names the file's language, says nothing, or names another."""
    right = unsure = other = 0
    texts = [text for texts in rows_by_language.values() for text in texts]
    sentiment.detect_language(texts[0])  # load lingua's models before timing
    start = time.perf_counter()
    for language, lang_texts in rows_by_language.items():
        for text in lang_texts:
            guess = sentiment.detect_language(text)
            right += guess == language
            unsure += guess is None
            other += guess not in (language, None)
    rate = len(texts) / (time.perf_counter() - start)
    print(f"\nlanguage detection: {right} right, {unsure} unsure (None), {other} another "
          f"language, of {len(texts)}; {rate:,.0f} texts/s")


def reference(texts: list[str], seconds: float) -> float:
    """Texts a second of the cheapest work on them: lower-casing and splitting on blanks."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            text.lower().split()
        done += len(texts)
    return done / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", choices=["eval", "dev"], default="eval",
                        help="eval: the committed evaluation set (never tune on it); "
                             "dev: the development set the rules were written against")
    parser.add_argument("--misses", action="store_true", help="list misclassified texts")
    parser.add_argument("--seconds", type=float, default=3.0, help="per throughput run")
    args = parser.parse_args()

    started = time.perf_counter()
    model = sentiment.get_model()
    print(f"model: {model.name} (COSO_SENTIMENT_MODEL), built in "
          f"{time.perf_counter() - started:.2f} s")
    all_texts: list[str] = []
    all_langs: list[str | None] = []
    by_language: dict[str, list[str]] = {}
    for language in ("it", "en"):
        rows = load(DATA / f"{args.set}_{language}.csv")
        print_report(f"{args.set}_{language} (language given)",
                     evaluate(rows, language), args.misses)
        print_report(f"{args.set}_{language} (language detected)", evaluate(rows, None), False)
        all_texts += [row.text for row in rows]
        by_language[language] = [row.text for row in rows]
        all_langs += [language] * len(rows)

    detection(by_language)
    sentiment.classify_many(all_texts, all_langs)  # warm caches before timing
    sentiment.classify_many(all_texts, None)
    given = throughput(all_texts, all_langs, args.seconds)
    detected = throughput(all_texts, [None] * len(all_texts), args.seconds)
    floor = reference(all_texts, args.seconds)
    print(f"\nthroughput, one core: {given:,.0f} comments/s with the language given, "
          f"{detected:,.0f} comments/s detecting it")
    print(f"reference (lower() + split() of each text): {floor:,.0f} texts/s; "
          f"classification costs {floor / given:,.0f}x that "
          f"({floor / detected:,.0f}x when detecting)")


if __name__ == "__main__":
    main()
