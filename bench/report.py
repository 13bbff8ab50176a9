"""RESULTS.md from the harness's raw results (bench/run.py)."""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from dataclasses import dataclass

OURS = "kustguard"


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:.0f} s"
    if value >= 10:
        return f"{value:.1f} s"
    return f"{value:.2f} s"


def _size(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def _median(side: dict | None, attr: str = "wall") -> float | None:
    if not side or not side.get("samples"):
        return None
    return side[attr]["median"]


def _cell(side: dict | None) -> str:
    """median wall (min–max), CPU, peak RSS."""
    if not side:
        return "—"
    if not side.get("samples"):
        return f"failed: {side.get('error', '')}" if side.get("error") else "—"
    w = side["wall"]
    spread = f" ({w['min']:.2f}–{w['max']:.2f})" if len(side["samples"]) > 1 else " (1 run)"
    return (f"{_fmt_s(w['median'])}{spread}; CPU {_fmt_s(side['cpu']['median'])}; "
            f"{side['rss_mb']['max']:.0f} MB")


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return a / b


def _fmt_ratio(r: float | None) -> str:
    if r is None:
        return "—"
    return f"{r:.3f}" if r < 0.1 else f"{r:.2f}"


@dataclass
class Goal:
    label: str
    target: str
    measured: str
    met: bool | None  # None: not measured
    why: str = ""
    met_text: str = ""  # overrides yes/no/— in the table


def _largest(rows: dict, prefix: str, want: int) -> tuple[int | None, dict | None]:
    """The row for size `want`, or the largest size measured under `prefix`."""
    if not rows:
        return None, None
    sizes = sorted(int(k.split("/")[1]) for k in rows if k.startswith(prefix + "/"))
    if not sizes:
        return None, None
    n = want if want in sizes else sizes[-1]
    return n, rows[f"{prefix}/{n}"]


def _at(n: int | None, want: int) -> str:
    return "" if n == want or n is None else f" (measured at {_size(n)}, not {_size(want)})"


def _profile_shares(results: dict) -> str:
    prof = results.get("profile") or {}
    parts = []
    for key, rows in prof.items():
        buckets = [r for r in rows if "bucket" in r]
        if buckets:
            total = next((r["total"] for r in rows if "total" in r), None)
            shown = ", ".join(f"{b['bucket']} {b['seconds']:.2f} s" for b in buckets if b["seconds"] > 0.01)
            parts.append(f"{key}: {shown} of {total:.2f} s" if total else f"{key}: {shown}")
    return "; ".join(parts)


WHY = {
    "schema": ("Plain text is parsed by ryaml, the rest by PyYAML's libyaml loader (kustguard.fastyaml), "
               "in one process, while kubeconform parses in Go on both cores; jsonschema-rs is about "
               "1% ('Where our time goes'). Parsing in worker processes is the next step (docs/bench.md)."),
    "full-kube-linter": ("The parse that keeps every field's line (PyYAML, about half of the time) and "
                         "the checks; lines cost a walk of one object each. See 'Where our time goes'."),
    "full-checkov": ("Our side is the same run as in the kube-linter row, with the same costs "
                     "(parse with field lines, checks)."),
    "repo-warm": ("A warm run is Python start-up and imports (about 0.12 s), then the render cache "
                  "key: every entry point's kustomizations are read again and every dependency "
                  "hashed, each run."),
    "repo-cold": ("Both sides run the same kustomize, which is most of both times: our overhead "
                  "beyond it is a few tenths of a second, the peers' about a second and a half, so the "
                  "ratio cannot fall much below kustomize's own share without rendering less. Inside "
                  "kustomize, each kustguard-sops plugin run spends about 0.13 s importing Python."),
    "hook": ("The changed base file affects four whole environments; rendering them is about a "
             "second of kustomize on two cores, nine SOPS plugin starts included, before the parse "
             "and the checks."),
    "reach": "See the reachability rows.",
    "onefile": ("Below about 2,000 objects the fixed start-up (imports, schemas) weighs on the "
                "exponent; the per-object cost is the YAML parse and the checks."),
    "memory": ("The objects themselves and, per object, four bytes a node for field lines "
               "(kustguard.positions)."),
}


def goals(results: dict) -> list[Goal]:
    out: list[Goal] = []
    schema = results.get("schema") or {}
    for form in ("tree", "stream"):
        for want in (10000, 50000):
            n, row = _largest(schema, form, want)
            if row is None:
                continue
            r = _ratio(_median(row.get(OURS)), _median(row.get("kubeconform")))
            label = f"Schema validation, {_size(want)} resources ({'files' if form == 'tree' else 'one stream'}) vs kubeconform -strict -n 2{_at(n, want)}"
            out.append(Goal(label, "≤ 0.5", _fmt_ratio(r), None if r is None else r <= 0.5, WHY["schema"]))
    full = results.get("full") or {}
    n, row = _largest(full, "tree", 10000)
    if row is not None:
        r = _ratio(_median(row.get(OURS)), _median(row.get("kube-linter")))
        out.append(Goal(f"Full validation, 10k vs kube-linter (all built-in checks){_at(n, 10000)}",
                        "≤ 0.5", _fmt_ratio(r), None if r is None else r <= 0.5, WHY["full-kube-linter"]))
    ck_rows = {k: v for k, v in full.items() if v.get("checkov", {}).get("samples")}
    n_ck, row_ck = _largest(ck_rows, "tree", 10000)
    if row_ck is not None:
        r = _ratio(_median(row_ck.get("kustguard (with checkov)")), _median(row_ck.get("checkov")))
        out.append(Goal(f"Full validation, 10k vs Checkov (kubernetes framework){_at(n_ck, 10000)}",
                        "≤ 0.03", _fmt_ratio(r), None if r is None else r <= 0.03, WHY["full-checkov"]))
    elif full:
        out.append(Goal("Full validation, 10k vs Checkov", "≤ 0.03", "not measured", None,
                        "Checkov is not installed or ran at no size within its budget."))
    repo = (results.get("repo") or {}).get("whole")
    if repo:
        warm = _median(repo.get("kustguard warm"))
        out.append(Goal("Whole repository, warm cache (absolute)", "≤ 0.2 s", _fmt_s(warm),
                        None if warm is None else warm <= 0.2, WHY["repo-warm"]))
        peers_key = next((k for k in repo if k.startswith("peers")), None)
        r = _ratio(_median(repo.get("kustguard cold")), _median(repo.get(peers_key)) if peers_key else None)
        out.append(Goal("Whole repository, cold cache vs the peers' pipeline", "≤ 0.5", _fmt_ratio(r),
                        None if r is None else r <= 0.5, WHY["repo-cold"]))
    hook = (results.get("hook") or {}).get("one-file")
    if hook:
        t = _median(hook.get("validate-affected"))
        out.append(Goal("Pre-commit validate-affected hook, one-file change (absolute)", "≤ 1 s", _fmt_s(t),
                        None if t is None else t <= 1.0, WHY["hook"]))
    reach = results.get("reach") or {}
    if reach:
        sizes = sorted(int(k.split("x")[0]) for k in reach)
        want = 2000
        n = want if want in sizes else sizes[-1]
        row = reach[f"{n}x{n}"]
        ours = _median(row.get("kustguard explain"))
        theirs = _median(row.get("netpol-analyzer list"))
        r = _ratio(ours, theirs)
        at = "" if n == want else f" (measured at {n}×{n})"
        if r is not None:
            same = (row.get("check") or {}).get("identical")
            out.append(Goal(f"Reachability, 2,000 × 2,000 vs netpol-analyzer list{at}", "≤ 1.0, identical",
                            f"{_fmt_ratio(r)}, {'identical' if same else 'NOT identical'}",
                            r <= 1.0 and bool(same), WHY["reach"]))
        elif row.get("capped") and row["capped"].get("timed_out"):
            bound = ours / row["capped"]["wall"] if ours else None
            checked = [k for k, v in reach.items() if (v.get("check") or {}).get("identical")]
            out.append(Goal(f"Reachability, 2,000 × 2,000 vs netpol-analyzer list{at}", "≤ 1.0, identical",
                            f"< {_fmt_ratio(bound)} (peer stopped at {row['capped']['wall']:.0f} s); "
                            "identity not checked at this size", None,
                            met_text=("ratio: yes; identity: checked at "
                                      + (", ".join(k.replace("x", "×") for k in checked) or "no size")
                                      + " only")))
        else:
            out.append(Goal(f"Reachability, 2,000 × 2,000 vs netpol-analyzer list{at}", "≤ 1.0, identical",
                            "not measured", None, row.get("peer_missing") or ""))
    if full:
        n, row = _largest(full, "tree", 50000)
        rss = (row.get(OURS) or {}).get("rss_mb", {}).get("max") if row else None
        out.append(Goal(f"Peak memory, full validation of 50k{_at(n, 50000)}", "≤ 500 MB",
                        f"{rss:.0f} MB" if rss is not None else "—",
                        None if rss is None else rss <= 500, WHY["memory"]))
    onefile = results.get("onefile") or {}
    if onefile:
        n, row = _largest(onefile, "file", 5000)
        r = _ratio(_median(row.get(OURS)), _median(row.get("kubeconform"))) if row else None
        out.append(Goal(f"One file of 5,000 objects with findings, full validation vs kubeconform{_at(n, 5000)}",
                        "≤ 2", _fmt_ratio(r), None if r is None else r <= 2.0, WHY["onefile"]))
        pts = sorted((row["n"], _median(row.get(OURS))) for row in onefile.values()
                     if _median(row.get(OURS)))
        if len(pts) >= 2:
            (n0, t0), (n1, t1) = pts[0], pts[-1]
            b = math.log(t1 / t0) / math.log(n1 / n0)
            out.append(Goal(f"One file, growth exponent {_size(n0)}→{_size(n1)} (goal measured 1k→20k)",
                            "≤ 1.1", f"{b:.2f}", b <= 1.1, WHY["onefile"]))
    return out


def _growth(points: list[tuple[int, float]]) -> str:
    """Exponent b of t ∝ n^b between consecutive sizes."""
    out = []
    for (n0, t0), (n1, t1) in zip(points, points[1:]):
        if t0 and t1 and n1 != n0:
            out.append(f"{math.log(t1 / t0) / math.log(n1 / n0):.2f} ({_size(n0)}→{_size(n1)})")
    return ", ".join(out) or "—"


def _scaling_rows(results: dict) -> list[str]:
    lines = []
    series: list[tuple[str, str, str, Callable[[dict], dict | None]]] = []
    for form in ("tree", "stream"):
        series.append(("schema", form, OURS, lambda row: row.get(OURS)))
        series.append(("schema", form, "kubeconform", lambda row: row.get("kubeconform")))
    series.append(("full", "tree", OURS, lambda row: row.get(OURS)))
    series.append(("full", "tree", "kube-linter", lambda row: row.get("kube-linter")))
    series.append(("full", "tree", "checkov", lambda row: row.get("checkov")))
    series.append(("onefile", "file", OURS, lambda row: row.get(OURS)))
    series.append(("onefile", "file", "kubeconform", lambda row: row.get("kubeconform")))
    for section, form, tool, get in series:
        rows = results.get(section) or {}
        pts, mem = [], []
        for key, row in sorted(rows.items(), key=lambda kv: int(kv[0].split("/")[1])):
            if not key.startswith(form + "/"):
                continue
            side = get(row)
            t = _median(side)
            if t is None:
                continue
            pts.append((row["n"], t))
            mem.append((row["n"], side["rss_mb"]["max"]))
        if not pts:
            continue
        times = ", ".join(f"{_size(n)}: {_fmt_s(t)} ({t / n * 1e6:.0f} µs/obj)" for n, t in pts)
        mems = ", ".join(f"{_size(n)}: {m:.0f} MB" for n, m in mem)
        lines.append(f"| {section} ({form}) | {tool} | {times} | {_growth(pts)} | {mems} | {_growth(mem)} |")
    return lines


def _scrub(text: str) -> str:
    """No machine paths in a committed file: the repo becomes `<repo>`, the rest `<tmp>`."""
    import re
    from pathlib import Path

    repo = str(Path(__file__).resolve().parents[1])
    text = text.replace(repo, "<repo>")
    return re.sub(r"(?<![\w<])/(?:tmp|var|home|root|usr|work)/[^\s'\"]*", "<path>", text)


def render(results: dict) -> str:
    return _scrub(_render(results))


def _render(results: dict) -> str:
    m = results.get("machine", {})
    settings = results.get("settings", {})
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    L: list[str] = []
    L += ["# Benchmarks: kustguard against its peers", "",
          f"Generated by `make bench` (`bench/run.py`, preset `{settings.get('size')}`) on {now}, "
          f"in {results.get('elapsed_s', 0) / 60:.1f} minutes. Every comparison ran its sides "
          "alternately in the same run; times are medians with (min–max) over the runs, wall clock "
          "unless marked CPU; memory is the largest peak RSS of one process. Ratios are "
          "ours ÷ peer: lower is better. How to re-run and read this: docs/bench.md.", ""]
    load0 = m.get("load_at_start") or [0, 0, 0]
    load1 = m.get("load_at_end") or [0, 0, 0]
    L += ["## Machine", "",
          "| CPU | cores | memory | OS | Python | Go | load average (1/5/15 min) at start → end |",
          "|---|---|---|---|---|---|---|",
          f"| {m.get('cpu', '?')} | {m.get('cpus')} | {m.get('memory_gb')} GB | {m.get('platform')} | "
          f"{m.get('python')} | {m.get('go', '—')} | {' / '.join(f'{x:.1f}' for x in load0)} → "
          f"{' / '.join(f'{x:.1f}' for x in load1)} |", ""]
    cpus = m.get("cpus") or 1
    if max(load0[0], load1[0], load0[1]) > cpus:
        L += [f"**The machine was shared while this ran** (load average above its {cpus} cores): "
              "absolute times are pessimistic and noisier than on a quiet machine. Both sides of each "
              "comparison ran in turns within the same minutes, so the ratios are the fairer figure; "
              "re-run `make bench` on a quiet machine for final absolute numbers.", ""]
    L += ["## Tools", "", "| tool | version | note |", "|---|---|---|",
          f"| kustguard | {m.get('kustguard', '?')} | jsonschema-rs {m.get('libraries', {}).get('jsonschema-rs')}, "
          f"PyYAML {m.get('libraries', {}).get('PyYAML')} (libyaml: {m.get('libraries', {}).get('libyaml')}) |"]
    for name, info in (results.get("peers") or {}).items():
        version = (results.get("versions") or {}).get(name, info.get("version"))
        note = "; ".join(info.get("notes") or [])
        if not info.get("ok"):
            version, note = info.get("version"), f"**NOT INSTALLED**: {info.get('problem')}"
        L.append(f"| {name} | {version} | {note} |")
    L.append("")

    L += ["## Goals", "", "| goal | target | measured | met |", "|---|---|---|---|"]
    gs = goals(results)
    for g in gs:
        met = g.met_text or ("—" if g.met is None else ("yes" if g.met else "**no**"))
        L.append(f"| {g.label} | {g.target} | {g.measured} | {met} |")
    missed = [g for g in gs if g.met is False]
    if missed:
        L += ["", "Goals not met, and why:", ""]
        reasons: dict[str, list[Goal]] = {}
        for g in missed:
            reasons.setdefault(g.why, []).append(g)
        for why, group in reasons.items():
            what = "; ".join(f"{g.label}: {g.measured} against {g.target}" for g in group)
            L.append(f"- **{what}**. {why}")
    L.append("")

    schema = results.get("schema") or {}
    if schema:
        L += ["## 1. Schema validation alone (strict, local schemas)", "",
              "kustguard: `bench/kg_files.py schema` (kustguard's strict YAML parse, one per document, "
              "then its in-process jsonschema-rs backend), one process. kubeconform: `-strict -n 2 "
              "-summary` with the same schema files. 'Invalid' is each side's count of invalid objects.", "",
              "| corpus | kustguard | kubeconform | ratio wall | ratio CPU | invalid (ours / theirs) |",
              "|---|---|---|---|---|---|"]
        for key, row in schema.items():
            ck = row.get("check") or {}
            same = (f"{ck.get('ours_invalid')} / {ck.get('kubeconform_invalid')}"
                    + ("" if ck.get("identical") else " **differ**")) if ck else (row.get("peer_missing") or "—")
            L.append(f"| {_size(row['n'])} {'files' if row['form'] == 'tree' else 'stream'} "
                     f"({row['corpus']['files']} files, {row['corpus']['bytes'] / 1e6:.1f} MB) | "
                     f"{_cell(row.get(OURS))} | {_cell(row.get('kubeconform'))} | "
                     f"{_fmt_ratio(_ratio(_median(row.get(OURS)), _median(row.get('kubeconform'))))} | "
                     f"{_fmt_ratio(_ratio(_median(row.get(OURS), 'cpu'), _median(row.get('kubeconform'), 'cpu')))} | {same} |")
        L.append("")

    full = results.get("full") or {}
    if full:
        L += ["## 2. Full validation (schema plus every check)", "",
              "kustguard: `bench/kg_files.py full` (the same parse into Resources with their source "
              "files, one Index, every check of the registry; findings carry file and line). kube-linter: "
              "`lint` with all built-in checks, its built-in `schema-validation` (which downloads "
              "schemas) replaced by the same kubeconform template on the local schemas. Checkov: "
              "`-d DIR --framework kubernetes --skip-download`. Same tree of files for all three.", "",
              "| corpus | kustguard | kube-linter | ratio | Checkov | kustguard (alternated with Checkov) | ratio | findings |",
              "|---|---|---|---|---|---|---|---|"]
        for key, row in full.items():
            ck = row.get("checkov")
            ck_cell = _cell(ck) if ck else (row.get("checkov_note") or "—")
            ours = row.get("ours") or {}
            L.append(f"| {_size(row['n'])} files | {_cell(row.get(OURS))} | {_cell(row.get('kube-linter'))} | "
                     f"{_fmt_ratio(_ratio(_median(row.get(OURS)), _median(row.get('kube-linter'))))} | "
                     f"{ck_cell} | {_cell(row.get('kustguard (with checkov)'))} | "
                     f"{_fmt_ratio(_ratio(_median(row.get('kustguard (with checkov)')), _median(ck)))} | "
                     f"ours {ours.get('findings', '—')} ({ours.get('invalid', '—')} schema-invalid)"
                     + "".join(f"; {k} {v:,}" for k, v in (row.get("peer_counts") or {}).items()) + " |")
        notes = [row["checkov_note"] for row in full.values() if row.get("checkov_note")]
        if notes:
            L += ["", "Checkov: " + "; ".join(notes) + "."]
        L.append("")

    onefile = results.get("onefile") or {}
    if onefile:
        L += ["## 2b. One big file", "",
              "n plain Deployments (no probes, no limits: several findings each) in one file, the "
              "shape of a vendored install manifest or a chart rendered to one file. kustguard: "
              "`bench/kg_files.py full FILE` (every check, every finding with its line). kubeconform: "
              "`-strict -n 2` on the same file.", "",
              "| corpus | kustguard | kubeconform | ratio | findings |", "|---|---|---|---|---|"]
        for key, row in sorted(onefile.items(), key=lambda kv: kv[1]["n"]):
            ours = row.get("ours") or {}
            L.append(f"| {_size(row['n'])} objects, one file ({row['corpus']['bytes'] / 1e6:.1f} MB) | "
                     f"{_cell(row.get(OURS))} | {_cell(row.get('kubeconform'))} | "
                     f"{_fmt_ratio(_ratio(_median(row.get(OURS)), _median(row.get('kubeconform'))))} | "
                     f"{ours.get('findings', '—')} |")
        L.append("")

    repo = (results.get("repo") or {}).get("whole")
    if repo:
        L += ["## 3. The whole repository, end to end", "",
              f"{len(repo.get('entries', []))} entry points ({', '.join(repo.get('entries', []))}), in a "
              "clone of the committed tree. kustguard: `kustguard validate --format json` (renders "
              "every entry point through kustomize in parallel, then every check); cold = an empty "
              "cache folder each run, warm = the cache of a previous run. Peers: per entry point "
              "`kustomize build` then `kubeconform -strict` and `kube-linter lint` on the stream, two "
              "entry points at a time (`xargs -P 2`); secrets shape-only on both sides.", "",
              "| side | time |", "|---|---|"]
        for name, side in repo.items():
            if isinstance(side, dict) and "samples" in side:
                L.append(f"| {name} | {_cell(side)} |")
        unrendered = {k: v for k, v in (repo.get("statuses") or {}).items() if v != "ok"}
        if unrendered:
            L += ["", "Not rendered on either side (offline): " +
                  ", ".join(f"{k} ({v})" for k, v in unrendered.items()) + "."]
        L.append("")

    hook = (results.get("hook") or {}).get("one-file")
    if hook:
        L += ["## 4. Pre-commit, one-file change", "",
              f"`{hook.get('file')}` changed by one line and staged, the render cache warm for "
              "everything else (as after any earlier commit). `validate-affected` is the hook that "
              "renders and checks; 'all four' chains yaml-syntax, secret-guard, kustomization-lint and "
              f"validate-affected as pre-commit would. The hook said: `{hook.get('summary', '')}`.", "",
              "| hook | time |", "|---|---|"]
        for name, side in hook.items():
            if isinstance(side, dict) and "samples" in side:
                L.append(f"| {name} | {_cell(side)} |")
        L.append("")

    reach = results.get("reach") or {}
    if reach:
        L += ["## 5. Reachability", "",
              "kustguard: `kustguard explain -f stream.yaml`. netpol-analyzer: `netpolicy list --dirpath "
              "tree -o json`. Results are compared pod group to pod group (see bench/reach_compare.py "
              "for what is left out and why).", "",
              "| workloads × policies | kustguard | netpol-analyzer | ratio | identical connectivity |",
              "|---|---|---|---|---|"]
        for key, row in reach.items():
            check = row.get("check")
            if check:
                same = (f"yes ({check['pairs_ours']:,} pairs)" if check["identical"] else
                        f"**no**: {check['only_ours']} only ours, {check['only_theirs']} only theirs, "
                        f"{check['ports_differ']} ports differ; e.g. {check['example']}")
            else:
                same = "not checked (no peer output)"
            peer = row.get("netpol-analyzer list")
            capped = row.get("capped")
            if (not peer or not peer.get("samples")) and capped:
                peer_cell = (f"stopped at {capped['wall']:.0f} s (budget), {capped['rss_mb']:.0f} MB by then"
                             if capped.get("timed_out") else f"exit {capped.get('rc')}")
                ratio = (f"< {_fmt_ratio(_median(row.get('kustguard explain')) / capped['wall'])}"
                         if capped.get("timed_out") and _median(row.get("kustguard explain")) else "—")
            else:
                peer_cell = _cell(peer) if peer else (row.get("peer_missing") or "—")
                ratio = _fmt_ratio(_ratio(_median(row.get("kustguard explain")), _median(peer)))
            L.append(f"| {row['n']:,} × {row['n']:,} | {_cell(row.get('kustguard explain'))} | {peer_cell} | "
                     f"{ratio} | {same} |")
        notes = [row["note"] for row in reach.values() if row.get("note")]
        if notes:
            L += ["", "netpol-analyzer: " + "; ".join(notes) + "."]
        L.append("")

    sops = results.get("sops") or {}
    for key, row in sops.items():
        plugin = row.get("kustguard-sops (one process)")
        sops_d = row.get("sops -d (one per file)")
        check = row.get("check") or {}
        L += ["## 6. SOPS decryption", "",
              f"{row['n']:,} small Secrets encrypted with the real sops (age), made by "
              "`bench/sops_bench.py`'s `prepare`. kustguard-sops: one plugin process, one generator "
              "listing every file (as kustomize calls it). sops: one `sops decrypt` per file. "
              "Identical: the decrypted values of both sides are the same set.", "",
              "| side | time |", "|---|---|",
              f"| kustguard-sops | {_cell(plugin)} |", f"| sops -d | {_cell(sops_d)} |", "",
              f"Ratio {_fmt_ratio(_ratio(_median(plugin), _median(sops_d)))} (no goal set); identical "
              f"values: {'yes' if check.get('identical') else '**no**'} "
              f"({check.get('values_ours')} / {check.get('values_sops')}).", ""]

    scaling = _scaling_rows(results)
    if scaling:
        L += ["## 7. Scaling", "",
              "Growth exponent b in time ∝ n^b between consecutive sizes (1.0 is linear), from the "
              "medians above; memory likewise.", "",
              "| measure | tool | time per size | time growth | peak RSS per size | memory growth |",
              "|---|---|---|---|---|---|", *scaling, ""]

    prof = results.get("profile") or {}
    if prof:
        L += ["## Where our time goes", "",
              "cProfile of the kustguard side, in process (profiling overhead inflates Python-heavy "
              "code, so shares matter more than seconds). Buckets are cumulative times of the stages; "
              "then the functions with the most self time.", ""]
        for key, rows in prof.items():
            total = next((r["total"] for r in rows if "total" in r), 0)
            L += [f"**{key}** ({total:.2f} s under the profiler)", ""]
            buckets = [r for r in rows if "bucket" in r]
            if buckets:
                L += ["| stage | cumulative |", "|---|---|"]
                L += [f"| {b['bucket']} | {b['seconds']:.2f} s ({b['seconds'] / total:.0%}) |" for b in buckets]
                L.append("")
            L += ["| function | self | cumulative | calls |", "|---|---|---|---|"]
            for r in rows:
                if "function" in r:
                    L.append(f"| `{r['function']}` | {r['self']:.2f} s ({r['self_share']:.0%}) | "
                             f"{r['cumulative']:.2f} s | {r['calls']:,} |")
            L.append("")

    whatif = results.get("whatif") or {}
    for key, row in whatif.items():
        full = (results.get("full") or {}).get(f"tree/{row['n']}", {})
        schema = (results.get("schema") or {}).get(f"stream/{row['n']}", {})
        kl = _median(full.get("kube-linter"))
        kc = _median(schema.get("kubeconform"))
        L += [f"## What the recommended fixes would buy ({_size(row['n'])} resources)", "",
              "Prototypes in `bench/whatif.py`: kustguard's own functions, arranged as the fixes "
              "propose, run alternately with today's code. The ratio column divides by the peer's "
              "median from sections 1 and 2 at the same size.", "",
              "| variant | time | ratio vs peer |", "|---|---|---|"]
        for name, side in row.items():
            if not isinstance(side, dict) or "samples" not in side:
                continue
            peer = kc if name.startswith("schema") else kl
            label = "kubeconform" if name.startswith("schema") else "kube-linter"
            r = _ratio(_median(side), peer)
            L.append(f"| {name} | {_cell(side)} | {_fmt_ratio(r)} (vs {label}) |")
        L.append("")

    errors = results.get("errors") or {}
    if errors:
        L += ["## Sections that failed", ""] + [f"- {k}: {v}" for k, v in errors.items()] + [""]
    L += ["## Method", "",
          f"Corpora are generated by `bench/corpus.py` from seed {settings.get('seed')} (the same "
          f"files on every machine); sizes {', '.join(_size(n) for n in settings.get('sizes', []))} "
          f"resources, policy corpora {', '.join(f'{n}×{n}' for n in settings.get('policies', []))}, "
          f"{settings.get('secrets')} secrets. Repeats per side: {settings.get('repeats')}"
          + (", after one untimed warm-up round at 1k" if settings.get("warmup") else ", no warm-up")
          + ". A peer run is stopped after "
          f"{settings.get('peer_budget', 0):.0f} s; Checkov runs only where its own measured growth "
          f"predicts under {settings.get('checkov_budget', 0):.0f} s. Wall and CPU come from "
          "`os.wait4` on each command (CPU includes its children); peak memory is the largest "
          "single process's maximum RSS.", ""]
    return "\n".join(L)
