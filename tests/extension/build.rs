//! Compile ext.c into a SQLite loadable extension in OUT_DIR, against the
//! header of the SQLite that libsqlite3-sys bundles (DEP_SQLITE3_INCLUDE),
//! with the C compiler the `cc` crate finds.

use std::env;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=ext.c");
    let out = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let include = env::var("DEP_SQLITE3_INCLUDE")
        .expect("libsqlite3-sys (a direct dependency) exports its include dir");
    let target = env::var("TARGET").expect("TARGET is set by cargo");
    let name = if target.contains("apple") {
        "libext.dylib"
    } else if target.contains("windows") {
        "ext.dll"
    } else {
        "libext.so"
    };
    let lib = out.join(name);
    let compiler = cc::Build::new().get_compiler();
    let mut cmd = compiler.to_command();
    if compiler.is_like_msvc() {
        cmd.arg("/LD").arg(format!("/Fe{}", lib.display()));
    } else {
        cmd.args(["-shared", "-fPIC", "-o"]).arg(&lib);
    }
    cmd.arg("-I").arg(&include).arg("ext.c");
    let status = cmd.status().expect("the C compiler runs");
    assert!(status.success(), "compiling ext.c failed: {status}");
    println!("cargo:rustc-env=SQLPORT_TEST_EXTENSION={}", lib.display());
}
