#!/usr/bin/env python3
"""Tables and the scale-curve plot of a load-bench results folder (stdlib only).

  report.py RESULTS_DIR      -> writes RESULTS_DIR/tables.md and RESULTS_DIR/scale.svg, prints tables.md

Reads what benches/lib.sh and the scripts append:
  load.txt    "LABEL target=T connections=C requests=.. rps=.. p50_us=.. p99_us=.. p999_us=.. ... peak_kb=.."
              one line per wrk run; several runs of the same (LABEL, T, C) are repetitions.
  ingest.txt  "ingest label=L target=T seconds=.. records=.. input_bytes=.. index_kb=.."
Figures are medians over repetitions. Ratios are taken run by run (the i-th run of A against the
i-th run of B, measured minutes apart on the same machine) and their median is reported, so a
slow phase of the machine affects both sides of a ratio.
"""
import math
import statistics
import sys
from collections import defaultdict
from pathlib import Path


def parse_line(line):
    words = line.split()
    if not words:
        return None
    record = {"label": words[0]}
    for word in words[1:]:
        if "=" in word:
            key, value = word.split("=", 1)
            try:
                record[key] = float(value)
            except ValueError:
                record[key] = value
    return record


def read(path):
    if not path.exists():
        return []
    return [r for r in map(parse_line, path.read_text().splitlines()) if r]


def median(values):
    values = [v for v in values if v is not None and not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def spread(values):
    """(max - min) / median, in percent: how much repeated runs disagreed."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return float("nan")
    m = statistics.median(values)
    return 100.0 * (max(values) - min(values)) / m if m else float("nan")


def fmt(value, digits=1):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def run_ratios(numerators, denominators):
    pairs = list(zip(numerators, denominators))
    return [a / b for a, b in pairs if a and b]


def load_tables(loads, out):
    groups = defaultdict(list)
    for r in loads:
        if "rps" in r:
            groups[(r["label"], r["target"], int(r["connections"]))].append(r)
    labels = sorted({key[0] for key in groups}, key=lambda l: (not l.startswith("50k"), l))
    for label in labels:
        if label.startswith("scale-"):
            continue
        targets = []
        for key in groups:
            if key[0] == label and key[1] not in targets:
                targets.append(key[1])
        order = ["floor", "ours"]
        targets = [t for t in order if t in targets] + sorted(t for t in targets if t not in order)
        connections = sorted({key[2] for key in groups if key[0] == label})
        runs = max(len(v) for k, v in groups.items() if k[0] == label)
        out.append(f"\n### Load: {label} (medians of {runs} runs; spread = (max−min)/median of req/s)\n")
        out.append("| target | conns | req/s | spread | × floor | ours ÷ target | p50 ms | p99 ms | p99.9 ms | peak memory MB | errors |")
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for target in targets:
            for c in connections:
                rows = groups.get((label, target, c))
                if not rows:
                    continue
                rps = [r["rps"] for r in rows]
                floor = [r["rps"] for r in groups.get((label, "floor", c), [])]
                ours = [r["rps"] for r in groups.get((label, "ours", c), [])]
                errors = sum(
                    int(r.get(k, 0))
                    for r in rows
                    for k in ("errors_connect", "errors_read", "errors_write", "errors_status", "errors_timeout")
                )
                x_floor = median(run_ratios(rps, floor)) if target != "floor" else 1.0
                ours_over = median(run_ratios(ours, rps)) if target not in ("ours", "floor") else float("nan")
                out.append(
                    f"| {target} | {c} | {fmt(median(rps), 0)} | {fmt(spread(rps), 0)} % | {fmt(x_floor, 3)} | "
                    f"{fmt(ours_over, 2)} | {fmt(median([r['p50_us'] / 1000 for r in rows]), 2)} | "
                    f"{fmt(median([r['p99_us'] / 1000 for r in rows]), 2)} | "
                    f"{fmt(median([r['p999_us'] / 1000 for r in rows]), 2)} | "
                    f"{fmt(max(r.get('peak_kb', 0) for r in rows) / 1024, 0)} | {errors} |"
                )


def ingest_table(ingests, out):
    rows = [r for r in ingests if not str(r.get("label", "")).startswith("scale-")]
    if not rows:
        return
    out.append("\n### Ingest (wall time of loading the corpus and building the index)\n")
    out.append("| corpus | target | seconds | records/s | MB/s (input) | index on disk MB |")
    out.append("|---|---|---:|---:|---:|---:|")
    for r in rows:
        seconds = r.get("seconds", float("nan"))
        records = r.get("records", float("nan"))
        size = r.get("input_bytes", float("nan"))
        out.append(
            f"| {r.get('label')} | {r.get('target')} | {fmt(seconds, 1)} | {fmt(records / seconds, 0)} | "
            f"{fmt(size / 1e6 / seconds, 1)} | {fmt(r.get('index_kb', float('nan')) / 1024, 0)} |"
        )


def scale_rows(loads, ingests):
    rows = []
    for ingest in ingests:
        label = str(ingest.get("label", ""))
        if not label.startswith("scale-"):
            continue
        row = {"label": label, "records": ingest["records"], "ingest_s": ingest["seconds"],
               "index_mb": ingest.get("index_kb", 0) / 1024, "input_mb": ingest.get("input_bytes", 0) / 1e6}
        for c in (1, 8):
            runs = [r for r in loads if r["label"] == label and r.get("target") == "ours"
                    and int(r.get("connections", 0)) == c and "rps" in r]
            row[f"p50_{c}"] = median([r["p50_us"] / 1000 for r in runs])
            row[f"p99_{c}"] = median([r["p99_us"] / 1000 for r in runs])
            row[f"rps_{c}"] = median([r["rps"] for r in runs])
            row[f"mem_{c}"] = max([r.get("peak_kb", 0) / 1024 for r in runs], default=float("nan"))
        rows.append(row)
    rows.sort(key=lambda r: r["records"])
    return rows


def scale_table(rows, out):
    if not rows:
        return
    out.append("\n### Scale curve (ours; query mix, medians)\n")
    out.append("| records | input MB | ingest s | records/s | index MB | memory serving MB | p50 ms @1 | p99 ms @1 | req/s @8 | p50 ms @8 | p99 ms @8 |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        out.append(
            f"| {fmt(r['records'], 0)} | {fmt(r['input_mb'], 0)} | {fmt(r['ingest_s'], 1)} | "
            f"{fmt(r['records'] / r['ingest_s'], 0)} | {fmt(r['index_mb'], 0)} | {fmt(max(r['mem_1'], r['mem_8']), 0)} | "
            f"{fmt(r['p50_1'], 2)} | {fmt(r['p99_1'], 2)} | {fmt(r['rps_8'], 0)} | {fmt(r['p50_8'], 2)} | {fmt(r['p99_8'], 2)} |"
        )
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        growth = last["records"] / first["records"]
        out.append("")
        out.append(
            f"From {fmt(first['records'], 0)} to {fmt(last['records'], 0)} records (×{growth:.0f}): "
            f"ingest ×{last['ingest_s'] / first['ingest_s']:.1f}, index ×{last['index_mb'] / first['index_mb']:.1f}, "
            f"p50@8 ×{last['p50_8'] / first['p50_8']:.1f}, p99@8 ×{last['p99_8'] / first['p99_8']:.1f}."
        )


def svg_plot(rows, path):
    """Two panels over the number of records (log scale): latency at 8 connections, and ingest
    time with index size."""
    if len(rows) < 2:
        return
    width, height, pad = 720, 300, 56
    panel = (width - 3 * pad) / 2
    xs = [math.log10(r["records"]) for r in rows]
    x0, x1 = min(xs) - 0.1, max(xs) + 0.1

    def x_of(value, left):
        return left + (math.log10(value) - x0) / (x1 - x0) * panel

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="11">',
             f'<rect width="{width}" height="{height}" fill="white"/>']

    def draw(left, title, series, unit):
        top, bottom = 30, height - 40
        ymax = max(v for _, values, _ in series for v in values if not math.isnan(v)) * 1.15 or 1
        parts.append(f'<text x="{left}" y="18" font-weight="bold">{title}</text>')
        parts.append(f'<line x1="{left}" y1="{bottom}" x2="{left + panel}" y2="{bottom}" stroke="black"/>')
        parts.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}" stroke="black"/>')
        for i in range(5):
            value = ymax * i / 4
            y = bottom - (bottom - top) * i / 4
            parts.append(f'<text x="{left - 4}" y="{y + 4}" text-anchor="end">{value:.0f}</text>')
            parts.append(f'<line x1="{left}" y1="{y}" x2="{left + panel}" y2="{y}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 40}" y="{top - 8}">{unit}</text>')
        for r in rows:
            x = x_of(r["records"], left)
            parts.append(f'<text x="{x}" y="{bottom + 14}" text-anchor="middle">{r["records"] / 1000:.0f}k</text>')
        parts.append(f'<text x="{left + panel / 2}" y="{bottom + 30}" text-anchor="middle">records (log scale)</text>')
        for index, (name, values, colour) in enumerate(series):
            points = [(x_of(r["records"], left), bottom - (bottom - top) * v / ymax)
                      for r, v in zip(rows, values) if not math.isnan(v)]
            parts.append('<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>'
                         % (colour, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)))
            for x, y in points:
                parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            parts.append(f'<text x="{left + 8}" y="{top + 12 + 14 * index}" fill="{colour}">{name}</text>')

    draw(pad, "Query latency at 8 connections", [
        ("p50 ms", [r["p50_8"] for r in rows], "#1f77b4"),
        ("p99 ms", [r["p99_8"] for r in rows], "#d62728"),
    ], "ms")
    draw(2 * pad + panel, "Ingest and index size", [
        ("ingest s", [r["ingest_s"] for r in rows], "#2ca02c"),
        ("index MB / 10", [r["index_mb"] / 10 for r in rows], "#9467bd"),
    ], "")
    parts.append("</svg>")
    path.write_text("\n".join(parts) + "\n")


def main():
    results = Path(sys.argv[1])
    loads = read(results / "load.txt")
    ingests = read(results / "ingest.txt")
    out = [f"## Results of {results.name}"]
    machine = results / "machine.txt"
    if machine.exists():
        out.append("\n```\n" + machine.read_text().strip() + "\n```")
    ingest_table(ingests, out)
    load_tables(loads, out)
    rows = scale_rows(loads, ingests)
    scale_table(rows, out)
    svg_plot(rows, results / "scale.svg")
    text = "\n".join(out) + "\n"
    (results / "tables.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
