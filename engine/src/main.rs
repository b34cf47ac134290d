fn main() {
    std::process::exit(caseflow::cli::main());
}
