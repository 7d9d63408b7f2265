//! Conformance over the seldon-core corpus (`SELDON_LOCAL_CORPUS=DIR`, run by `.ci/run`):
//! nothing panics, defaulting is idempotent on every valid resource and every valid resource
//! plans. Ignored by default because the corpus lives outside the repository.

use seldon_local::plan;
use seldon_local::sdep::{self, OperatorConfig, SeldonVersion};

use crate::fixtures::walk;

#[test]
#[ignore = "needs SELDON_LOCAL_CORPUS; run by .ci/run"]
fn every_corpus_resource_defaults_idempotently_and_plans() {
    let dir = std::env::var("SELDON_LOCAL_CORPUS").expect("set SELDON_LOCAL_CORPUS to the corpus");
    let files = walk(std::path::Path::new(&dir), "yaml");
    assert!(files.len() >= 100, "only {} files in {dir}", files.len());
    let (mut valid, mut rejected, mut failures) = (0, 0, Vec::new());
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let Ok(loaded) = sdep::load(&text, &path.display().to_string()) else {
            rejected += 1;
            continue;
        };
        for document in loaded.documents {
            for version in SeldonVersion::ALL {
                let config = OperatorConfig::embedded(version);
                match sdep::validate(document.sdep.clone(), &config) {
                    Ok(validated) => {
                        let mut again = validated.sdep().clone();
                        sdep::defaults::apply(&mut again, &config);
                        if &again != validated.sdep() {
                            failures.push(format!(
                                "{} ({version}): defaulting is not idempotent",
                                path.display()
                            ));
                        }
                        match plan::build(&validated) {
                            Ok(_) => valid += 1,
                            Err(e) => failures.push(format!("{} ({version}): {e}", path.display())),
                        }
                    }
                    Err(_) => rejected += 1,
                }
            }
        }
    }
    println!("corpus: {valid} planned, {rejected} rejected");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
