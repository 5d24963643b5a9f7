#!/usr/bin/env python3
"""Writes the benchmark decks of benches/vs-presenterm.sh into OUT, for kdeck and presenterm.

The same content in both formats: kdeck's is a directory of one Markdown file per slide
with TOML front matter, presenterm's one file whose slides end with `<!-- end_slide -->`.

  five/            5 slides: Rust, C, shell, TOML code, then a list
  five-from-K/     the same deck rotated to open at slide K (K = 2..4): every key of a run
                   is then the first visit of the slide it leads to, in a fresh process
  big/             300 slides, code on every third one (1, 4, 7, ...; Rust, C, shell, TOML
                   in turn), text and a list on the others
  big-from-3/      the 300 slides rotated to open at slide 3 (the key leads to slide 4, code)
  NAME.md          presenterm's file of each deck above

Every slide's last line is "endmark N" (N = the slide's number in the unrotated deck), so
a marker is on screen only once the whole slide is.

Usage: decks.py OUT
"""

import os
import sys

RUST = '''use std::collections::HashMap;

/// Counts the words of `text`, most frequent first.
fn word_counts(text: &str) -> Vec<(&str, usize)> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_insert(0) += 1;
    }
    let mut sorted: Vec<_> = counts.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    sorted
}

fn main() {
    for (word, n) in word_counts("the cat saw the other cat").iter().take(3) {
        println!("{word:>8} {n}");
    }
}'''

C = '''#include <errno.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <unistd.h>

/* Enters strict mode: only read, write, _exit and sigreturn are allowed. */
int main(void)
{
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT, 0, 0, 0) != 0) {
        perror("prctl");
        return 1;
    }
    static const char msg[] = "still alive\\n";
    write(STDOUT_FILENO, msg, sizeof msg - 1);
    _exit(getpid() > 0 ? 0 : 2); /* getpid is not allowed: SIGKILL */
}'''

SHELL = '''#!/usr/bin/env bash
# Builds the release binary and runs it on every deck under ./decks.
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --quiet
for deck in decks/*/; do
    name=$(basename "$deck")
    if ! ./target/release/app check --deck "$deck" > "/tmp/$name.log" 2>&1; then
        echo "FAIL $name: $(head -n 1 "/tmp/$name.log")" >&2
        continue
    fi
    printf '%-20s ok (%d slides)\\n' "$name" "$(ls "$deck" | wc -l)"
done'''

TOML = '''[package]
name = "kernel-demo"
version = "0.3.1"
edition = "2024"
rust-version = "1.88"
authors = ["A. Presenter <presenter@example.org>"]

[dependencies]
libc = "0.2"                # raw syscalls
serde = { version = "1", features = ["derive"] }
toml = "0.8"

[profile.release]
lto = "thin"
codegen-units = 4
debug = false'''

CODE = [('rust', RUST), ('c', C), ('sh', SHELL), ('toml', TOML)]
# A first line that makes every block of a deck unique, as in a real deck (a highlighter
# that caches by content gets no help from repeats).
COMMENT = {'rust': '// slide %d', 'c': '/* slide %d */', 'sh': '# slide %d', 'toml': '# slide %d'}
NAMES = {'rust': 'Rust', 'c': 'C', 'sh': 'shell', 'toml': 'TOML'}

TEXT = ('A paragraph of ordinary prose that wraps across the width of the terminal, with '
        '**bold**, *italic* and `inline code`, as a presenter writes it on a normal slide.')


def slide(n, title, lang=None, code=None, extra_list=False):
    """(title, body) of slide n; the body ends with its end marker."""
    body = ['# ' + title, '', TEXT, '']
    if code is not None:
        body += ['```' + lang, COMMENT[lang] % n, code, '```', '']
    if extra_list or code is None:
        body += ['- the first point, short', '- a second point that says a little more',
                 '- a third, with `code`', '']
    body.append('endmark %d' % n)
    return title, '\n'.join(body) + '\n'


def five():
    slides = [slide(i + 1, '%s code on slide %d' % (NAMES[lang], i + 1), lang, code)
              for i, (lang, code) in enumerate(CODE)]
    slides.append(slide(5, 'Wrap-up on slide 5', extra_list=True))
    return slides


def big(count=300):
    slides = []
    for i in range(count):
        n = i + 1
        if i % 3 == 0:
            lang, code = CODE[(i // 3) % len(CODE)]
            slides.append(slide(n, '%s code on slide %d' % (NAMES[lang], n), lang, code))
        else:
            slides.append(slide(n, 'Plain text on slide %d' % n))
    return slides


def write_kdeck(path, slides):
    os.makedirs(path)
    for i, (title, body) in enumerate(slides):
        with open(os.path.join(path, '%03d.md' % (i + 1)), 'w') as f:
            f.write('+++\ntitle = "%s"\n+++\n%s' % (title, body))


def write_presenterm(path, slides):
    with open(path, 'w') as f:
        f.write('\n<!-- end_slide -->\n\n'.join(body for _, body in slides))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = sys.argv[1]
    decks = {'five': five(), 'big': big()}
    for k in (2, 3, 4):
        decks['five-from-%d' % k] = decks['five'][k - 1:] + decks['five'][:k - 1]
    decks['big-from-3'] = decks['big'][2:] + decks['big'][:2]
    for name, slides in decks.items():
        write_kdeck(os.path.join(out, name), slides)
        write_presenterm(os.path.join(out, name + '.md'), slides)
    return 0


if __name__ == '__main__':
    sys.exit(main())
