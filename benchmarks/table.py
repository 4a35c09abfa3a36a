"""Turns the JSON lines of `otfuse bench ot --json` into the Markdown table of docs/benchmarks.md.

    python3 benchmarks/table.py results.jsonl
"""
import json
import sys


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def main(path):
    rows = [json.loads(line) for line in open(path) if line.strip().startswith("{")]
    print("| case | solver | anchor | otfuse (s) | anchor (s) | ratio | cost rel. diff | notes |")
    print("|---|---|---|---:|---:|---:|---:|---|")
    for r in rows:
        case = f"{r['n']} x {r['m']}"
        if r.get("marginals"):
            case += f" {r['marginals']}"
        if r["solver"].startswith("ground_cost"):
            case = f"{r['n']} x {r['m']}, d = {r['d']}"
        if r["solver"].startswith("fusion"):
            case = "2 x VGG11"
        notes = []
        if "otfuse_iterations" in r:
            notes.append(f"iterations {r['otfuse_iterations']} vs {r.get('anchor_iterations', '-')}")
            notes.append("NaN: " + ("yes" if r.get("otfuse_has_nan") or r.get("anchor_has_nan") else "none"))
        if "gemm_gflops" in r:
            notes.append(f"GEMM {r['gemm_gflops']:.1f} GFLOP/s, cost {r['cost_gflops']:.1f}")
        if r.get("anchor_measured") is False:
            notes.append("anchor not run here: the reference implementation's reported time")
        runs = r.get("otfuse_runs_s")
        if runs:
            notes.append(f"runs {len(runs)}/{len(r.get('anchor_runs_s') or [])}")
        print(f"| {case} | {r['solver']} | {r['anchor']} | {fmt(r['otfuse_s'], '.4f')} | "
              f"{fmt(r['anchor_s'], '.4f')} | {fmt(r['ratio'], '.3f')} | "
              f"{fmt(r['cost_rel_diff'], '.1e')} | {'; '.join(notes)} |")


if __name__ == "__main__":
    main(sys.argv[1])
