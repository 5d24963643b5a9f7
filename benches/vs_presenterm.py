#!/usr/bin/env python3
"""kdeck and presenterm side by side on the decks of benches/decks.py (run by
benches/vs-presenterm.sh, which builds both and writes the decks).

Every case runs each program in turn, in ROUNDS rounds of RUNS/ROUNDS runs, so both see the
same load on a shared machine; the table shows medians over all runs and kdeck/presenterm
ratios. Measured by ttff.py at 120x40: first frame (spawn to the slide's last line on
screen), key to the next slide's last line on screen, peak RSS (VmHWM) and the bytes
written for the key.

Usage: vs_presenterm.py --ttff T --decks D --kdeck BIN --presenterm BIN [--base BIN]
                        [--runs N] [--rounds R] [--json FILE]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

LANGS = {1: 'Rust', 2: 'C', 3: 'shell', 4: 'TOML', 5: 'text'}


def cases(decks, builtin_start):
    """(id, title, {tool: argv tail}, first marker, second marker)."""
    out = []
    for k in (1, 2, 3, 4):
        name = 'five' if k == 1 else 'five-from-%d' % k
        out.append(('five-%d' % k, '5 slides, open at %d (%s), → %d (%s)' % (
            k, LANGS[k], k + 1, LANGS[k + 1]),
            {'kdeck': ['--deck', os.path.join(decks, name)],
             'presenterm': [os.path.join(decks, name + '.md')]},
            'endmark %d' % k, 'endmark %d' % (k + 1)))
    out.append(('big-1', '300 slides, open at 1 (Rust), → 2 (text)',
                {'kdeck': ['--deck', os.path.join(decks, 'big')],
                 'presenterm': [os.path.join(decks, 'big.md')]},
                'endmark 1', 'endmark 2'))
    out.append(('big-3', '300 slides, open at 3 (text), → 4 (C)',
                {'kdeck': ['--deck', os.path.join(decks, 'big-from-3')],
                 'presenterm': [os.path.join(decks, 'big-from-3.md')]},
                'endmark 3', 'endmark 4'))
    if builtin_start:
        out.append(('builtin', 'built-in talk, open at the XPFO slide (Rust), → next',
                    {'kdeck': ['--start', str(builtin_start)]},
                    'XPFO: never merged', 'Then vs now'))
    return out


def ttff(args, tool_bin, tail, first, second, runs):
    with tempfile.NamedTemporaryFile(suffix='.json') as f:
        cmd = [sys.executable, args.ttff, '-n', str(runs), '--size', '120x40',
               '--first', first, '--key', 'right', '--second', second, '--quit', 'ctrl-c',
               '--json', f.name, '--', tool_bin] + tail
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
        try:
            with open(f.name) as j:
                data = json.load(j)
        except (OSError, ValueError):
            data = {'runs': []}
    good = [r for r in data.get('runs', []) if 'first_frame_ms' in r and 'key_frame_ms' in r]
    if done.returncode != 0 or len(good) < runs:
        sys.stderr.write('%s %s: %d of %d runs measured\n%s\n' % (
            os.path.basename(tool_bin), ' '.join(tail), len(good), runs,
            done.stdout[-2000:]))
    return good


def check_time(kdeck, deck, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([kdeck, 'check', '--deck', deck], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def builtin_slide(kdeck):
    listing = json.loads(subprocess.run([kdeck, 'list', '--json'], stdout=subprocess.PIPE,
                                        check=True, text=True).stdout)
    rows = listing['slides'] if isinstance(listing, dict) else listing
    return next((r['n'] for r in rows if 'XPFO' in r['title']), None)


def med(runs, key):
    vals = []
    for r in runs:
        v = r.get(key)
        if v is not None:
            vals.extend(v if isinstance(v, list) else [v])
    return statistics.median(vals) if vals else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ttff', required=True)
    ap.add_argument('--decks', required=True)
    ap.add_argument('--kdeck', required=True)
    ap.add_argument('--presenterm', required=True)
    ap.add_argument('--base', help='an older kdeck binary to compare with')
    ap.add_argument('--runs', type=int, default=20)
    ap.add_argument('--rounds', type=int, default=4)
    ap.add_argument('--json', help='write every measured run here')
    args = ap.parse_args()

    tools = {'kdeck': args.kdeck, 'presenterm': args.presenterm}
    if args.base:
        tools['base'] = args.base
    per_round = max(1, args.runs // args.rounds)
    all_cases = cases(args.decks, builtin_slide(args.kdeck))
    got = {}
    for rnd in range(args.rounds):
        for cid, title, tails, first, second in all_cases:
            for tool, binary in tools.items():
                tail = tails.get('kdeck' if tool == 'base' else tool)
                if tail is None:
                    continue
                sys.stderr.write('\rround %d/%d: %-8s %-10s' % (rnd + 1, args.rounds, cid,
                                                                 tool))
                got.setdefault((cid, tool), []).extend(
                    ttff(args, binary, tail, first, second, per_round))
    sys.stderr.write('\n')
    check = {'kdeck': check_time(args.kdeck, os.path.join(args.decks, 'big'), args.runs)}
    if args.base:
        check['base'] = check_time(args.base, os.path.join(args.decks, 'big'), args.runs)

    cols = list(tools)
    head = '| case | figure | ' + ' | '.join(cols) + ' | kdeck/presenterm |'
    if args.base:
        head += ' kdeck/base |'
    print(head)
    print('|' + '---|' * (head.count('|') - 1))
    figures = [('first_frame_ms', 'first frame', 'ms'), ('key_frame_ms', '→ key', 'ms'),
               ('vmhwm_mib', 'peak RSS', 'MiB'), ('frame2_bytes', 'bytes for →', 'B')]
    for cid, title, _, _, _ in all_cases:
        for key, label, unit in figures:
            vals = {t: med(got.get((cid, t), []), key) for t in cols}
            cells = ['%.2f %s' % (vals[t], unit) if unit != 'B' and vals[t] is not None
                     else ('%d B' % vals[t] if vals[t] is not None else '–') for t in cols]
            row = '| %s | %s | %s |' % (title, label, ' | '.join(cells))

            def ratio(a, b):
                return '%.2f×' % (vals[a] / vals[b]) if vals.get(a) and vals.get(b) else '–'
            row += ' %s |' % ratio('kdeck', 'presenterm')
            if args.base:
                row += ' %s |' % ratio('kdeck', 'base')
            print(row)
    cells = ['%.1f ms' % check[t] if t in check else '–' for t in cols]
    row = '| 300 slides | `kdeck check` | %s | – |' % ' | '.join(cells)
    if args.base:
        row += ' %.2f× |' % (check['kdeck'] / check['base'])
    print(row)
    print('\nmedians of %d runs per program and case (%d rounds, programs in turn)'
          % (args.runs, args.rounds))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'%s/%s' % k: v for k, v in got.items()}, f)
    return 0


if __name__ == '__main__':
    sys.exit(main())
