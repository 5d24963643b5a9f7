#!/usr/bin/env python3
"""On-stage figures of kdeck, as medians (a benchmark, not a test):

 1. a key press in one terminal → both the presentation and the speaker view show the
    new slide (keys alternate between the two terminals; target ≤ 5 ms);
 2. a slide file saved → the presentation shows the new text (target ≤ 200 ms).

Each program runs in its own pseudo-terminal; the screens are kept by ttff.py's terminal
emulator, so "shows" means the text is on the emulated screen, as a user would see it.
Usage: benches/stage.py [RUNS]   (TTFF=path/to/ttff.py; builds with cargo --release)
"""

import importlib.util
import os
import pty
import select
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TTFF = os.environ.get("TTFF", os.path.join(ROOT, "..", "shared", "tools", "ttff.py"))


def load_screen():
    if not os.path.isfile(TTFF):
        sys.exit(f"benches/stage.py: no ttff.py at {TTFF} (set TTFF=...)")
    spec = importlib.util.spec_from_file_location("ttff", TTFF)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.Screen


Screen = load_screen()


class Term:
    """One program in a pseudo-terminal, with an emulated screen."""

    def __init__(self, argv, env, rows=30, cols=100):
        self.screen = Screen(rows, cols)
        pid, fd = pty.fork()
        if pid == 0:
            os.environ.update(env)
            os.environ["TERM"] = "xterm-256color"
            os.execv(argv[0], argv)
        self.pid, self.fd = pid, fd
        import fcntl, struct, termios
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def pump(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:
            return
        self.screen.feed(data)
        replies = self.screen.take_replies()
        if replies:
            os.write(self.fd, replies)

    def has(self, marker):
        return self.screen.contains(marker)

    def send(self, data):
        os.write(self.fd, data)

    def stop(self):
        try:
            os.kill(self.pid, 15)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def wait(terms_markers, timeout=5.0):
    """Pumps every terminal until each shows its marker; returns the seconds taken."""
    t0 = time.perf_counter()
    terms = list({id(t): t for t, _ in terms_markers}.values())
    while True:
        if all(t.has(m) for t, m in terms_markers):
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > timeout:
            missing = [m for t, m in terms_markers if not t.has(m)]
            raise SystemExit(f"timed out waiting for {missing}")
        # Poll all terminals; a short timeout keeps the measurement fine-grained.
        fds = [t.fd for t in terms]
        r, _, _ = select.select(fds, [], [], 0.05)
        for t in terms:
            if t.fd in r:
                t.pump(0)


def median_ms(xs):
    return statistics.median(xs) * 1000


def keys_bench(bin_, runs):
    run_dir = tempfile.mkdtemp()
    env = {"XDG_RUNTIME_DIR": run_dir}
    main = Term([bin_, "--start", "2"], env)
    wait([(main, "2/19 ·")])
    speaker = Term([bin_, "speaker"], env, cols=90)
    wait([(speaker, "speaker ─ 2/19"), (main, "speaker view connected")])
    right, left = b"\x1b[C", b"\x1b[D"
    times = []
    for i in range(runs):
        target = main if i % 2 == 0 else speaker
        target.send(right)
        times.append(wait([(main, "3/19 ·"), (speaker, "speaker ─ 3/19")]))
        target.send(left)
        times.append(wait([(main, "2/19 ·"), (speaker, "speaker ─ 2/19")]))
    speaker.stop()
    main.stop()
    shutil.rmtree(run_dir, ignore_errors=True)
    return times


def reload_bench(bin_, runs):
    deck = tempfile.mkdtemp()
    for f in os.listdir(os.path.join(ROOT, "slides")):
        shutil.copy(os.path.join(ROOT, "slides", f), deck)
    slide = sorted(f for f in os.listdir(deck) if f.endswith(".md"))[1]
    path = os.path.join(deck, slide)
    original = open(path).read()
    head, body = original.split("\n+++\n", 1)
    main = Term([bin_, "--deck", deck, "--start", "2"], {"XDG_RUNTIME_DIR": tempfile.mkdtemp()})
    wait([(main, "2/19 ·")])
    times = []
    for i in range(runs):
        marker = f"Edited for run {i:03d}."
        time.sleep(0.15)  # let the last reload settle: each save is one change
        with open(path + ".tmp", "w") as f:
            f.write(f"{head}\n+++\n{marker}\n\n{body}")
        os.replace(path + ".tmp", path)  # as editors save: write, then rename
        times.append(wait([(main, marker)]))
    main.stop()
    shutil.rmtree(deck, ignore_errors=True)
    return times


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    bin_ = os.path.join(ROOT, "target", "release", "kdeck")
    keys = keys_bench(bin_, runs)
    print(f"key press → both screens show the new slide: median {median_ms(keys):.2f} ms, "
          f"max {max(keys) * 1000:.2f} ms ({len(keys)} keys, alternating terminals; target ≤ 5 ms)")
    saves = reload_bench(bin_, runs)
    print(f"slide file saved → new text on screen: median {median_ms(saves):.1f} ms, "
          f"max {max(saves) * 1000:.1f} ms ({len(saves)} saves; target ≤ 200 ms)")


if __name__ == "__main__":
    main()
