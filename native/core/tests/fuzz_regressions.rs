//! Every input a fuzz target ever crashed on stays a test: `native/fuzz/regressions/<target>/<file>` is replayed
//! through the same check the target runs (native/fuzz/checks.rs), on the stable toolchain, in `cargo test`.
//! scripts/fuzz copies a new crash there; the fix makes this test pass again. The targets' seed inputs
//! (`native/fuzz/seeds/<target>/`) are replayed too.

#[path = "../../fuzz/checks.rs"]
mod checks;

use std::path::Path;

#[test]
fn every_kept_fuzz_input_passes_its_check() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut replayed = 0;
    let dirs = ["seeds", "regressions"].iter().flat_map(|kind| std::fs::read_dir(fuzz.join(kind)).expect("native/fuzz/{seeds,regressions} exist"));
    for dir in dirs {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let target = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(checks::TARGETS.contains(&target.as_str()), "{}: no fuzz target of that name", dir.display());
        for file in std::fs::read_dir(&dir).unwrap() {
            let path = file.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| checks::check(&target, &data));
            assert!(matches!(result, Ok(true)), "{} fails its check again", path.display());
            replayed += 1;
        }
    }
    // Every target has seeds: fewer inputs would mean the folders were not read.
    assert!(replayed >= checks::TARGETS.len(), "only {replayed} inputs under {}", fuzz.display());
}

#[test]
fn the_checks_can_fail() {
    // Out of the contract's range: the timestamp check must call that a finding, or it could never find one.
    assert!(std::panic::catch_unwind(|| checks::round_trips(i64::MAX)).is_err());
    assert!(!checks::check("no_such_target", b""));
}
