/work/main/target/release/deps/getopts-1695158b8784bbd3.d: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/getopts-0.2.24/src/lib.rs

/work/main/target/release/deps/libgetopts-1695158b8784bbd3.rlib: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/getopts-0.2.24/src/lib.rs

/work/main/target/release/deps/libgetopts-1695158b8784bbd3.rmeta: /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/getopts-0.2.24/src/lib.rs

/root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/getopts-0.2.24/src/lib.rs:
