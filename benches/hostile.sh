#!/usr/bin/env bash
# Huge slides in the real TUI (release binary in a pseudo-terminal at 120x40, measured
# by ttff.py): for each, a deck of a plain slide then the huge one; → draws the huge
# slide (the key's latency is the cost of laying it out), q quits (its time to exit),
# and the peak RSS. Also `kdeck check` on nesting past the limit. Medians of RUNS.
# The in-process split (load, first frame, key) is `cargo bench --bench hostile`.
# Usage: benches/hostile.sh [RUNS]   (TTFF=path/to/ttff.py to override the harness)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
ttff=${TTFF:-../shared/tools/ttff.py}
[ -f "$ttff" ] || { echo "benches/hostile.sh: no ttff.py at $ttff (set TTFF=...)" >&2; exit 2; }
cargo build --release -q
bin=$PWD/target/release/kdeck
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import os, sys
work = sys.argv[1]
def deck(name, body):
    os.makedirs(f"{work}/{name}")
    open(f"{work}/{name}/01.md", "w").write('+++\ntitle = "plain"\n+++\nplain slide\n')
    open(f"{work}/{name}/02.md", "w").write(f'+++\ntitle = "{name}"\n+++\n{body}\n')
deck("list-32-deep", "".join("  " * i + f"- item {i} of a deeply nested list\n" for i in range(32)))
deck("quotes-32-deep", ">" * 32 + " deep")
deck("table-500x200", "|" + "".join(f" h{c} |" for c in range(200)) + "\n|" + "---|" * 200 + "".join(
    "\n|" + "".join(f" r{r}c{c} |" for c in range(200)) for r in range(500)))
line = 'fn main() { let x = 1 + 2; println!("{}", x); }\n'
deck("code-3MB", "```rust\n" + line * ((3 << 20) // len(line)) + "```")
deck("code-3MB-one-line", "```rust\n" + "let x = 1; " * ((3 << 20) // 11) + "\n```")
deck("paragraph-3MB", "word " * ((3 << 20) // 5))
for name, body in [("list-400-deep", "".join("  " * i + f"- item {i}\n" for i in range(400))),
                   ("list-2000-deep", "".join("  " * i + f"- item {i}\n" for i in range(2000))),
                   ("quotes-50000", ">" * 50000 + " deep")]:
    os.makedirs(f"{work}/deep/{name}")
    open(f"{work}/deep/{name}/01.md", "w").write(f'+++\ntitle = "{name}"\n+++\n{body}\n')
PY
for d in list-32-deep quotes-32-deep table-500x200 code-3MB code-3MB-one-line paragraph-3MB; do
  echo "== $d: → onto it, then q"
  python3 "$ttff" -n "$runs" --size 120x40 --first 'plain slide' --key right --second '2/2' \
    --quit q -- "$bin" --deck "$work/$d" | grep -E 'first frame \(|key -> marker|quit|peak RSS|clean runs'
done
for d in "$work"/deep/*; do
  t0=$(date +%s%N); "$bin" check --deck "$d" >/dev/null 2>&1 || true; t1=$(date +%s%N)
  printf '== kdeck check %-16s %7.1f ms (rejected)\n' "$(basename "$d")" "$(echo "($t1 - $t0) / 1000000" | bc -l)"
done
