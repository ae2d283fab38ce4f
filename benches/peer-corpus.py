#!/usr/bin/env python3
"""The bench corpus in the record shape the peer recipes load (../shared/peers/*.sh):
id, title, abstract, authors[], affiliations[], speakers[], theme, day, time.

  peer-corpus.py IN.jsonl OUT.jsonl

arXiv lines carry `category` and `date`; they become the peers' `theme` and `day` facets, the
two facets Typesense counts per request in the recipe's query. Ids stay as they are.
"""
import json
import sys


def main():
    source, target = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            out.write(json.dumps({
                "id": str(record["id"]),
                "title": record.get("title", ""),
                "abstract": record.get("abstract", ""),
                "authors": record.get("authors", []),
                "affiliations": [],
                "speakers": [],
                "theme": record.get("theme", record.get("category", "")),
                "day": record.get("day", record.get("date", "")),
                "time": "",
            }, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
