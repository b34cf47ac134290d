//! `caseflow lsp`: a Language Server Protocol server over stdio. The
//! analysis is the engine's own (load, checks, plan); this module only
//! turns it into the protocol's terms.

mod completion;
mod diagnostics;
mod hover;
mod plan_lens;
mod references;
mod server;
mod symbols;
mod to_proto;
mod workspace;

use lsp_server::Connection;

use super::{EXIT_INTERNAL, EXIT_OK};

pub fn serve() -> i32 {
    let (connection, io_threads) = Connection::stdio();
    let capabilities = match serde_json::to_value(server::capabilities()) {
        Ok(c) => c,
        Err(e) => return failed(&e.to_string()),
    };
    if let Err(e) = connection.initialize(capabilities) {
        return failed(&e.to_string());
    }
    server::keep_panics();
    let served = server::Server::new(&connection).run();
    drop(connection);
    let joined = io_threads.join().map_err(|e| e.to_string());
    match served.and(joined) {
        Ok(()) => EXIT_OK,
        Err(e) => failed(&e),
    }
}

fn failed(reason: &str) -> i32 {
    eprintln!("error: caseflow lsp: {reason}");
    EXIT_INTERNAL
}
