#!/usr/bin/env python3
"""Synthetic corpora for the scale curve, made by recombining real abstracts (stdlib only).

  synth-corpus.py REAL.jsonl N OUT.jsonl

Record i of N takes a base record b = i mod R and a donor d = (i * 7919 + 13) mod R of the R
real records (7919 is prime, so base and donor differ and every pair is distinct until
N > R * R). Its abstract is the first half of b's sentences followed by the second half of
d's; its title the first half of b's title words and the second half of d's; authors come
from d, date and category from b; its id is `synth:i`. Every word is a real word in a real
context, word frequencies stay those of the real corpus, and no two records are the same.
Vocabulary does not grow with N as it would in a larger real corpus (Heaps' law), so
term-dictionary costs are underestimated; posting lists, stored records, facet counting and
snippets grow linearly, as they would.
"""
import json
import re
import sys

SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def halves(items):
    middle = (len(items) + 1) // 2
    return items[:middle], items[middle:]


def main():
    real_path, count, out_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(real_path, encoding="utf-8") as real:
        records = [json.loads(line) for line in real if line.strip()]
    sentences = [SENTENCE_END.split(r.get("abstract", "").strip()) for r in records]
    titles = [r.get("title", "").split() for r in records]
    total = len(records)
    with open(out_path, "w", encoding="utf-8") as out:
        for i in range(count):
            base, donor = i % total, (i * 7919 + 13) % total
            if donor == base:
                donor = (donor + 1) % total
            abstract = halves(sentences[base])[0] + halves(sentences[donor])[1]
            title = halves(titles[base])[0] + halves(titles[donor])[1]
            record = {
                "id": f"synth:{i}",
                "title": " ".join(title),
                "abstract": " ".join(abstract),
                "authors": records[donor].get("authors", []),
                "category": records[base].get("category", ""),
                "date": records[base].get("date", ""),
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
