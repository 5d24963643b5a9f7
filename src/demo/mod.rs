//! Demos: the registry, the child-side protocol, the runner (live child process or
//! recorded replay). This module never imports ratatui or crossterm; the UI talks to it
//! with [`DemoCommand`] and hears back only [`DemoEvent`]s.

pub mod answers;
pub mod events;
pub mod groups;
pub mod out;
pub mod protocol;
pub mod recordings;
pub mod runner;
pub mod summary;

pub mod audit;
pub mod container;
pub mod ima;
pub mod kspp;
pub mod landlock;
pub mod lsm;
pub mod namespaces;
pub mod play;
pub mod seccomp_log;
pub mod timens;
pub mod tryit;
pub mod wireguard;

use std::time::Duration;

pub use answers::{ProbeAnswers, probe_answers, probe_report};
pub use events::{DemoCommand, DemoEvent, LineKind, Outcome, OutputLine, RecordingInfo, RunMode};
pub use recordings::Recordings;
pub use runner::{Engine, Sink, sink};
pub use summary::{DemoMode, FallBack, ProbeAnswer, RunSummary, Verdict};

use crate::probe::{self, Probe, Support};

/// A built-in demo.
pub struct DemoSpec {
    /// Stable id, used in slide front matter and for `demos/<id>/recorded.cast`.
    pub id: &'static str,
    /// Shown in the demo pane's title bar.
    pub title: &'static str,
    /// One line on what the demo proves.
    pub proves: &'static str,
    /// The live run is killed (whole process group) after this long.
    pub timeout: Duration,
    /// Runs in the child before the body; `Support::No` means fall back.
    pub probe: fn() -> Probe,
    /// The live body; runs in the single-threaded child, prints for the audience and
    /// returns an exit code from [`out`].
    pub body: fn(&Probe) -> i32,
}

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

static REGISTRY: &[DemoSpec] = &[
    DemoSpec {
        id: "ima",
        title: "IMA: measurements and the namespace gap",
        proves: "IMA measures what runs; securityfs can't be mounted inside a user namespace",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::ima::probe,
        body: ima::body,
    },
    DemoSpec {
        id: "audit",
        title: "audit: one log, initial namespace only",
        proves: "the audit netlink socket refuses a user namespace; no audit container id exists",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::audit::probe,
        body: audit::body,
    },
    DemoSpec {
        id: "container",
        title: "A container is a tuple of namespaces",
        proves: "the kernel has no container object: only namespaces and cgroups",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::container::probe,
        body: container::body,
    },
    DemoSpec {
        id: "lsm",
        title: "LSM stacking: lsm_list_modules()",
        proves: "the kernel lists its stacked LSMs through the 6.8 LSM syscalls",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::lsm::probe,
        body: lsm::body,
    },
    DemoSpec {
        id: "timens",
        title: "Time namespaces and the vDSO",
        proves: "a time namespace shifts MONOTONIC/BOOTTIME and the vDSO still answers",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::timens::probe,
        body: timens::body,
    },
    DemoSpec {
        id: "seccomp-log",
        title: "seccomp: SECCOMP_RET_LOG",
        proves: "a seccomp filter can log a syscall without blocking it",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::seccomp::probe,
        body: seccomp_log::body,
    },
    DemoSpec {
        id: "landlock",
        title: "Landlock: unprivileged sandboxing",
        proves: "an unprivileged process can restrict its own file and network access",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::landlock::probe,
        body: landlock::body,
    },
    DemoSpec {
        id: "namespaces",
        title: "Namespaces: a container without a runtime",
        proves: "unprivileged user namespaces give uid 0, pid 1, and an empty network",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::namespaces::probe,
        body: namespaces::body,
    },
    DemoSpec {
        id: "wireguard",
        title: "WireGuard: a link in a fresh namespace",
        proves: "the in-kernel WireGuard device, created without touching the host",
        timeout: DEFAULT_TIMEOUT,
        probe: probe::wireguard::probe,
        body: wireguard::body,
    },
    DemoSpec {
        id: "kspp",
        title: "KSPP score and memfd_secret",
        proves: "how hardened this kernel is, and the XPFO idea as memfd_secret",
        timeout: DEFAULT_TIMEOUT,
        probe: kspp::probe,
        body: kspp::body,
    },
];

/// Every built-in demo, in talk order.
pub fn registry() -> &'static [DemoSpec] {
    REGISTRY
}

/// The demo with this id.
pub fn find(id: &str) -> Option<&'static DemoSpec> {
    REGISTRY.iter().find(|d| d.id == id)
}

/// Every demo id, for deck validation.
pub fn ids() -> Vec<&'static str> {
    REGISTRY.iter().map(|d| d.id).collect()
}

/// `KDECK_FORCE_RECORDED=1`: every demo plays its recording (the one place it is read).
pub fn force_recorded() -> bool {
    std::env::var("KDECK_FORCE_RECORDED").is_ok_and(|v| v == "1")
}

/// Runs a demo's probe: the kernel's answer (in test builds, possibly overridden by the
/// test-only [`probe::FORCE_ENV`]).
pub fn run_probe(spec: &DemoSpec) -> Probe {
    let real = (spec.probe)();
    #[cfg(feature = "test-hooks")]
    if let Some(forced) = forced_probe(spec.id, &real) {
        return forced;
    }
    real
}

/// The test hook [`probe::FORCE_ENV`]: the answer it forces for this demo, its evidence
/// saying so and quoting the real answer; None when it forces nothing here.
#[cfg(feature = "test-hooks")]
fn forced_probe(id: &str, real: &Probe) -> Option<Probe> {
    let env = probe::FORCE_ENV;
    let forced = match probe::forced(id)? {
        Support::No => Probe::no(
            real.feature,
            format!(
                "forced unsupported by {env} (real answer: {})",
                real.evidence
            ),
        ),
        Support::Partial => Probe::partial(
            real.feature,
            format!("forced partial by {env} (real answer: {})", real.evidence),
        ),
        Support::Yes => return None,
    };
    Some(Probe {
        facts: real.facts.clone(),
        ..forced
    })
}

/// Tests only (the `test-hooks` feature, which only this package's own test builds
/// enable): the live child sleeps this many seconds before its probe, so that a test
/// can end kdeck (a signal, quit) while a demo process is running. The shipped binary
/// is built without it: nothing in its environment can make a demo wait.
#[cfg(feature = "test-hooks")]
pub const TEST_SLEEP_ENV: &str = "KDECK_TEST_DEMO_SLEEP";

/// The test hook above: sleeps if the test asked for it.
#[cfg(feature = "test-hooks")]
fn test_sleep() {
    if let Some(secs) = std::env::var(TEST_SLEEP_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(Duration::from_secs(secs.min(600)));
    }
}

/// Entry point of the hidden `kdeck __child <id>` subcommand: probe, then the live body.
/// Must run in a fresh, single-threaded process (unshare(CLONE_NEWUSER) needs that).
pub fn child_main(id: &str) -> i32 {
    let Some(spec) = find(id) else {
        eprintln!("kdeck: unknown demo id {id:?}");
        return 2;
    };
    #[cfg(feature = "test-hooks")]
    test_sleep();
    // A variant from `--spec`: applied as written; the kernel's refusals are its answer,
    // never replaced by the default's recording.
    if let Some(variant) = play::from_env(id) {
        return match variant {
            Ok(v) => v.run(),
            Err(code) => code,
        };
    }
    let probe = run_probe(spec);
    out::probe(probe.support, &probe.evidence);
    if probe.support == Support::No {
        return out::unsupported(&probe.evidence);
    }
    (spec.body)(&probe)
}
