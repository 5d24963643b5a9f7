//! Integration tests of the `wireguard` demo: the real binary as `kdeck __child wireguard`.

mod common;

use common::child::{Run, assert_fits_pane, assert_forced_fallback_with, child, child_as_nobody};

const ID: &str = "wireguard";

fn wireguard_here() -> bool {
    std::path::Path::new("/sys/module/wireguard").is_dir()
}

/// A link kind built into this kernel (so creating one loads no module).
const BUILTIN_KIND: &str = "bridge";

fn host_has_wg0() -> bool {
    std::path::Path::new("/sys/class/net/wg0").exists()
}

/// The live rtnetlink path with link kind `kind`: created, listed with that kind in
/// the namespace (not the host's links), gone afterwards.
fn assert_live_path(r: &Run, kind: &str) {
    assert_eq!(r.code, 0);
    let c = r.out.find("» step create").expect("create step");
    let s = r.out.find("» step show").expect("show step");
    let g = r.out.find("» step gone").expect("gone step");
    assert!(c < s && s < g);
    let create = &r.out[c..s];
    assert!(create.contains(&format!("$ ip link add wg0 type {kind}\n")));
    assert!(create.contains("  uid 0 in the namespace: ack, error 0\n"));
    // A fresh network namespace: only lo, then our link.
    let show = &r.out[s..g];
    let links: Vec<&str> = show.lines().filter(|l| l.starts_with("  ")).collect();
    assert_eq!(links.len(), 2, "{links:?}");
    assert!(links[0].starts_with("  1: lo <LOOPBACK"), "{links:?}");
    assert!(
        links[1].starts_with(&format!("  2: wg0 {kind} <")),
        "{links:?}"
    );
    let gone = &r.out[g..];
    assert!(gone.contains("The child exited (0): its namespace is gone."));
    assert!(gone.contains("  if_nametoindex(\"wg0\") = 0: no such device"));
    assert_eq!(r.marks(), 1);
    assert!(!host_has_wg0(), "the host must never see wg0");
}

#[test]
fn probe_says_no_here_and_falls_back() {
    if wireguard_here() {
        eprintln!("this kernel has WireGuard: checking the live path instead");
        let r = child(ID, &[]);
        assert!(r.out.starts_with("» probe yes "));
        assert_live_path(&r, "wireguard");
        return;
    }
    let r = child(ID, &[]);
    assert_eq!(r.code, 3);
    let first = r.out.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("» probe no this kernel has no WireGuard (no /sys/module/wireguard")
            || first.starts_with("» probe no wireguard is available as a module, not loaded"),
        "{first}"
    );
    if !std::path::Path::new("/proc/modules").exists() {
        assert!(first.ends_with("no loadable modules: /proc/modules absent)"));
    }
    assert!(r.out.contains("\n» unsupported "));
    assert!(!r.out.contains("» step"));
    assert!(!wireguard_here(), "the probe must not load the module");
}

#[test]
fn live_rtnetlink_path_with_a_builtin_kind() {
    assert!(
        std::path::Path::new(&format!("/sys/module/{BUILTIN_KIND}")).is_dir(),
        "{BUILTIN_KIND} is built into this kernel"
    );
    assert!(!host_has_wg0());
    let r = child(ID, &[("KDECK_WG_KIND", BUILTIN_KIND)]);
    assert!(r.out.starts_with(
        "» probe yes KDECK_WG_KIND=bridge (test override): /sys/module/bridge exists"
    ));
    assert_live_path(&r, BUILTIN_KIND);
    assert!(r.out.contains(
        "✓ created wg0 (kind bridge) in a throwaway network namespace; the host never saw it"
    ));
}

#[test]
fn live_rtnetlink_path_as_nobody() {
    let Some(r) = child_as_nobody(ID, &[("KDECK_WG_KIND", BUILTIN_KIND)]) else {
        return;
    };
    assert_live_path(&r, BUILTIN_KIND);
}

#[test]
fn nobody_without_wireguard_falls_back() {
    if wireguard_here() {
        return;
    }
    let Some(r) = child_as_nobody(ID, &[]) else {
        return;
    };
    assert_eq!(r.code, 3);
    assert!(r.out.starts_with("» probe no "));
    assert!(r.out.contains("\n» unsupported "));
}

#[test]
fn unknown_kind_at_run_time_is_unsupported() {
    // "loop" is in /sys/module but is no link kind. Only where modules can't be
    // loaded at all, so the kernel's request_module("rtnl-link-loop") is a no-op.
    if std::path::Path::new("/proc/modules").exists() {
        eprintln!("skip: this kernel loads modules; not sending an unknown kind");
        return;
    }
    assert!(std::path::Path::new("/sys/module/loop").is_dir());
    let r = child(ID, &[("KDECK_WG_KIND", "loop")]);
    assert_eq!(r.code, 3);
    assert!(
        r.out
            .contains("  RTM_NEWLINK → EOPNOTSUPP (Unknown device type)\n")
    );
    assert!(
        r.out
            .contains("» unsupported RTM_NEWLINK kind loop: EOPNOTSUPP (Unknown device type)")
    );
}

#[test]
fn override_kind_must_already_be_in_the_kernel() {
    let r = child(ID, &[("KDECK_WG_KIND", "kdeck-nosuch")]);
    assert_eq!(r.code, 3);
    assert!(r.out.starts_with(
        "» probe no KDECK_WG_KIND=kdeck-nosuch (test override): no /sys/module/kdeck-nosuch"
    ));
}

#[test]
fn forced_no_falls_back() {
    assert_forced_fallback_with(ID, &[("KDECK_WG_KIND", BUILTIN_KIND)]);
}

#[test]
fn output_fits_the_pane() {
    assert_fits_pane(&child(ID, &[("KDECK_WG_KIND", BUILTIN_KIND)]).out, 30, 56);
}
