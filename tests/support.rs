pub mod unused {}
