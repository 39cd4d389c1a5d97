/work/main/target/release/deps/haproxy-b51952347bbc09fa.d: src/main.rs src/acl.rs src/balance.rs src/checks.rs src/cli.rs src/cli_sock.rs src/config/mod.rs src/config/global.rs src/config/lexer.rs src/config/model.rs src/config/options.rs src/config/parse.rs src/config/proxy.rs src/config/rules.rs src/config/server.rs src/config/units.rs src/config/validate.rs src/engine.rs src/http/mod.rs src/http/body.rs src/http/cookie.rs src/http/errors.rs src/http/head.rs src/http/rewrite.rs src/lifecycle.rs src/log/mod.rs src/log/format.rs src/log/msg.rs src/log/syslog.rs src/session/mod.rs src/session/connect.rs src/session/logline.rs src/session/request.rs src/session/response.rs src/session/stick.rs src/state.rs src/stats.rs src/sys.rs

/work/main/target/release/deps/haproxy-b51952347bbc09fa: src/main.rs src/acl.rs src/balance.rs src/checks.rs src/cli.rs src/cli_sock.rs src/config/mod.rs src/config/global.rs src/config/lexer.rs src/config/model.rs src/config/options.rs src/config/parse.rs src/config/proxy.rs src/config/rules.rs src/config/server.rs src/config/units.rs src/config/validate.rs src/engine.rs src/http/mod.rs src/http/body.rs src/http/cookie.rs src/http/errors.rs src/http/head.rs src/http/rewrite.rs src/lifecycle.rs src/log/mod.rs src/log/format.rs src/log/msg.rs src/log/syslog.rs src/session/mod.rs src/session/connect.rs src/session/logline.rs src/session/request.rs src/session/response.rs src/session/stick.rs src/state.rs src/stats.rs src/sys.rs

src/main.rs:
src/acl.rs:
src/balance.rs:
src/checks.rs:
src/cli.rs:
src/cli_sock.rs:
src/config/mod.rs:
src/config/global.rs:
src/config/lexer.rs:
src/config/model.rs:
src/config/options.rs:
src/config/parse.rs:
src/config/proxy.rs:
src/config/rules.rs:
src/config/server.rs:
src/config/units.rs:
src/config/validate.rs:
src/engine.rs:
src/http/mod.rs:
src/http/body.rs:
src/http/cookie.rs:
src/http/errors.rs:
src/http/head.rs:
src/http/rewrite.rs:
src/lifecycle.rs:
src/log/mod.rs:
src/log/format.rs:
src/log/msg.rs:
src/log/syslog.rs:
src/session/mod.rs:
src/session/connect.rs:
src/session/logline.rs:
src/session/request.rs:
src/session/response.rs:
src/session/stick.rs:
src/state.rs:
src/stats.rs:
src/sys.rs:
