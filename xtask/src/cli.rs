//! The command line: which command, with which flags. Every command declares
//! the flags it accepts; anything else (an unknown flag, a flag of another
//! command, a value where none belongs, a stray argument) is an error that
//! says what the command does accept. What needs the repository to check
//! (target names, program names) is checked by the commands themselves.

/// One parsed command line.
#[derive(Debug, PartialEq)]
pub enum Command {
    Run(RunArgs),
    Test {
        target: Option<String>,
    },
    Build {
        target: Option<String>,
        programs: Vec<String>,
    },
    Size {
        target: Option<String>,
        update: bool,
    },
    Bench {
        quick: bool,
    },
    Soak {
        seconds: Option<u64>,
    },
    Fuzz {
        target: Option<String>,
        time: Option<u64>,
    },
    Lint,
    Targets,
    New {
        name: String,
        path: Option<String>,
        mcu: Option<String>,
    },
    Help,
}

/// `cargo xtask run [--target T] [--native] [--server ADDR:PORT] [--trace]
/// [PROGRAM] [-- ARGS...]`.
#[derive(Debug, Default, PartialEq)]
pub struct RunArgs {
    pub target: Option<String>,
    pub native: bool,
    pub server: Option<String>,
    pub trace: bool,
    /// `None`: the demo.
    pub program: Option<String>,
    /// What follows `--`: the program's own arguments.
    pub args: Vec<String>,
}

/// A flag a command accepts: its name and, if it takes a value, what to
/// call the value in messages.
struct Flag(&'static str, Option<&'static str>);

/// What a command accepts besides its flags.
#[derive(Clone, Copy, PartialEq)]
enum Operands {
    None,
    /// At most one, and arguments for it after `--`.
    OneWithArgs(&'static str),
    Many(&'static str),
}

struct Spec {
    name: &'static str,
    flags: &'static [Flag],
    operands: Operands,
}

const TARGET: Flag = Flag("--target", Some("T"));

const SPECS: &[Spec] = &[
    Spec {
        name: "run",
        flags: &[
            TARGET,
            Flag("--native", None),
            Flag("--server", Some("ADDR:PORT")),
            Flag("--trace", None),
        ],
        operands: Operands::OneWithArgs("PROGRAM"),
    },
    Spec {
        name: "test",
        flags: &[TARGET],
        operands: Operands::None,
    },
    Spec {
        name: "build",
        flags: &[TARGET],
        operands: Operands::Many("PROGRAM"),
    },
    Spec {
        name: "size",
        flags: &[TARGET, Flag("--update", None)],
        operands: Operands::None,
    },
    Spec {
        name: "bench",
        flags: &[Flag("--quick", None)],
        operands: Operands::None,
    },
    Spec {
        name: "soak",
        flags: &[Flag("--seconds", Some("S"))],
        operands: Operands::None,
    },
    Spec {
        name: "fuzz",
        flags: &[Flag("--time", Some("S"))],
        operands: Operands::Many("TARGET"),
    },
    Spec {
        name: "lint",
        flags: &[],
        operands: Operands::None,
    },
    Spec {
        name: "targets",
        flags: &[],
        operands: Operands::None,
    },
    Spec {
        name: "new",
        flags: &[Flag("--path", Some("DIR")), Flag("--mcu", Some("BOARD"))],
        operands: Operands::Many("NAME"),
    },
];

/// What one command line held, before it becomes a [`Command`].
#[derive(Default)]
struct Parsed {
    flags: Vec<(&'static str, Option<String>)>,
    operands: Vec<String>,
    after_dashes: Vec<String>,
}

impl Parsed {
    fn has(&self, flag: &str) -> bool {
        self.flags.iter().any(|(f, _)| *f == flag)
    }
    fn value(&self, flag: &str) -> Option<String> {
        self.flags
            .iter()
            .find(|(f, _)| *f == flag)
            .and_then(|(_, v)| v.clone())
    }
}

/// `--target T, --native, ...`, for messages.
fn describe_flags(spec: &Spec) -> String {
    if spec.flags.is_empty() {
        return "none".into();
    }
    spec.flags
        .iter()
        .map(|Flag(name, value)| match value {
            Some(v) => format!("{name} {v}"),
            None => (*name).to_owned(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_with(spec: &Spec, args: &[String]) -> Result<Parsed, String> {
    let cmd = spec.name;
    let mut out = Parsed::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--" {
            if !matches!(spec.operands, Operands::OneWithArgs(_)) {
                return Err(format!("`{cmd}` takes no `--` arguments"));
            }
            out.after_dashes = it.by_ref().cloned().collect();
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            match spec.operands {
                Operands::None => {
                    return Err(format!("`{cmd}` takes no argument `{arg}`"));
                }
                Operands::OneWithArgs(what) if !out.operands.is_empty() => {
                    return Err(format!(
                        "`{cmd}` takes one {what}; `{arg}` is a second one \
                         (pass the {what}'s own arguments after `--`)"
                    ));
                }
                _ => out.operands.push(arg.clone()),
            }
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v.to_owned())),
            None => (arg.as_str(), None),
        };
        let Some(Flag(flag, value)) = spec.flags.iter().find(|Flag(f, _)| *f == name) else {
            return Err(format!(
                "`{cmd}` has no flag `{name}`; its flags: {}",
                describe_flags(spec)
            ));
        };
        if out.has(flag) {
            return Err(format!("`{cmd}`: {flag} given twice"));
        }
        let value = match (value, inline) {
            (None, None) => None,
            (None, Some(_)) => return Err(format!("`{cmd}`: {flag} takes no value")),
            (Some(_), Some(v)) if !v.is_empty() => Some(v),
            (Some(what), Some(_)) => return Err(format!("`{cmd}`: {flag} needs a value ({what})")),
            (Some(what), None) => match it.next() {
                Some(v) if !v.is_empty() && !v.starts_with("--") => Some(v.clone()),
                _ => return Err(format!("`{cmd}`: {flag} needs a value ({what})")),
            },
        };
        out.flags.push((flag, value));
    }
    Ok(out)
}

/// Parses the arguments after `cargo xtask` (the `qemu-runner` command,
/// whose arguments are the cargo runner's, is handled before this).
pub fn parse(args: &[String]) -> Result<Command, String> {
    let Some((cmd, rest)) = args.split_first() else {
        return Ok(Command::Help);
    };
    if matches!(cmd.as_str(), "help" | "--help" | "-h") {
        return Ok(Command::Help);
    }
    let spec = SPECS
        .iter()
        .find(|s| s.name == cmd)
        .ok_or_else(|| format!("unknown command `{cmd}`"))?;
    let p = parse_with(spec, rest)?;
    let target = p.value("--target");
    Ok(match spec.name {
        "run" => Command::Run(RunArgs {
            target,
            native: p.has("--native"),
            server: p.value("--server"),
            trace: p.has("--trace"),
            program: p.operands.first().cloned(),
            args: p.after_dashes,
        }),
        "test" => Command::Test { target },
        "build" => Command::Build {
            target,
            programs: p.operands,
        },
        "new" => match p.operands.as_slice() {
            [name] => Command::New {
                name: name.clone(),
                path: p.value("--path"),
                mcu: p.value("--mcu"),
            },
            [] => return Err("`new` needs the crate's NAME".into()),
            [_, extra, ..] => return Err(format!("`new` takes one NAME; `{extra}` is a second")),
        },
        "size" => Command::Size {
            target,
            update: p.has("--update"),
        },
        "bench" => Command::Bench {
            quick: p.has("--quick"),
        },
        "soak" => Command::Soak {
            seconds: number(&p, "soak", "--seconds")?,
        },
        "fuzz" => {
            if p.operands.len() > 1 {
                return Err(format!(
                    "`fuzz` takes one TARGET; `{}` is a second one",
                    p.operands[1]
                ));
            }
            Command::Fuzz {
                target: p.operands.first().cloned(),
                time: number(&p, "fuzz", "--time")?,
            }
        }
        "lint" => Command::Lint,
        _ => Command::Targets,
    })
}

/// The value of `flag` as a positive whole number, if given.
fn number(p: &Parsed, cmd: &str, flag: &str) -> Result<Option<u64>, String> {
    p.value(flag)
        .map(|v| match v.parse::<u64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "`{cmd}`: {flag} needs a positive whole number of seconds, not `{v}`"
            )),
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Command, String> {
        let args: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        parse(&args)
    }

    fn run(line: &str) -> RunArgs {
        match parse_str(line) {
            Ok(Command::Run(r)) => r,
            other => panic!("{line}: {other:?}"),
        }
    }

    fn err(line: &str) -> String {
        match parse_str(line) {
            Err(e) => e,
            Ok(c) => panic!("{line}: accepted as {c:?}"),
        }
    }

    #[test]
    fn run_defaults_to_the_demo() {
        assert_eq!(run("run"), RunArgs::default());
        assert_eq!(parse_str(""), Ok(Command::Help));
        assert_eq!(parse_str("help"), Ok(Command::Help));
    }

    #[test]
    fn run_takes_its_flags_a_program_and_its_arguments() {
        let r = run("run --target aarch64-linux --trace hello -- a --b -- c");
        assert_eq!(r.target.as_deref(), Some("aarch64-linux"));
        assert!(r.trace && !r.native);
        assert_eq!(r.program.as_deref(), Some("hello"));
        assert_eq!(r.args, ["a", "--b", "--", "c"]);
        let r = run("run --native --server=127.0.0.1:9 --target=x86_64-linux");
        assert_eq!(r.server.as_deref(), Some("127.0.0.1:9"));
        assert_eq!(r.target.as_deref(), Some("x86_64-linux"));
        assert!(r.native && r.program.is_none());
        // Flags may follow the program.
        let r = run("run blinky --target microbit");
        assert_eq!(r.program.as_deref(), Some("blinky"));
        assert_eq!(r.target.as_deref(), Some("microbit"));
        assert_eq!(run("run --").args, Vec::<String>::new());
    }

    #[test]
    fn run_rejects_what_it_does_not_know() {
        let e = err("run --frobnicate");
        assert!(e.contains("--frobnicate"), "{e}");
        assert!(
            e.contains("--target T") && e.contains("--server ADDR:PORT"),
            "{e}"
        );
        assert!(err("run --update").contains("no flag `--update`"));
        assert!(err("run -x").contains("no flag `-x`"));
        assert!(err("run hello world").contains("second one"));
        assert!(err("run --target").contains("needs a value"));
        assert!(err("run --target --native").contains("needs a value"));
        assert!(err("run --target=").contains("needs a value"));
        assert!(err("run --server").contains("ADDR:PORT"));
        assert!(err("run --native=yes").contains("takes no value"));
        assert!(err("run --trace --trace").contains("twice"));
        assert!(err("run --target a --target b").contains("twice"));
    }

    #[test]
    fn other_commands_accept_only_their_own_flags() {
        assert_eq!(
            parse_str("build --target aarch64-linux hello demo"),
            Ok(Command::Build {
                target: Some("aarch64-linux".into()),
                programs: vec!["hello".into(), "demo".into()],
            })
        );
        assert_eq!(
            parse_str("size --update"),
            Ok(Command::Size {
                target: None,
                update: true
            })
        );
        assert_eq!(
            parse_str("bench --quick"),
            Ok(Command::Bench { quick: true })
        );
        assert_eq!(
            parse_str("test --target=microbit"),
            Ok(Command::Test {
                target: Some("microbit".into())
            })
        );
        assert_eq!(parse_str("lint"), Ok(Command::Lint));
        assert_eq!(
            parse_str("soak --seconds 300"),
            Ok(Command::Soak { seconds: Some(300) })
        );
        assert_eq!(parse_str("soak"), Ok(Command::Soak { seconds: None }));
        assert_eq!(
            parse_str("fuzz request --time=60"),
            Ok(Command::Fuzz {
                target: Some("request".into()),
                time: Some(60)
            })
        );
        assert_eq!(
            parse_str("fuzz"),
            Ok(Command::Fuzz {
                target: None,
                time: None
            })
        );
        assert!(err("soak --seconds ten").contains("whole number"));
        assert!(err("soak --seconds 0").contains("whole number"));
        assert!(err("fuzz a b").contains("second one"));
        assert!(err("fuzz --seconds 3").contains("its flags: --time S"));
        assert_eq!(parse_str("targets"), Ok(Command::Targets));

        assert!(err("test --native").contains("its flags: --target T"));
        assert!(err("test hello").contains("takes no argument `hello`"));
        assert!(err("build --trace").contains("no flag `--trace`"));
        assert!(err("build hello -- x").contains("no `--` arguments"));
        assert!(err("size --quick").contains("--update"));
        assert!(err("bench --target x86_64-linux").contains("its flags: --quick"));
        assert!(err("bench slow").contains("no argument"));
        assert!(err("lint --fix").contains("its flags: none"));
        assert!(err("targets all").contains("no argument"));
        assert!(err("frobnicate").contains("unknown command"));
        assert!(err("--target x86_64-linux").contains("unknown command"));
    }

    #[test]
    fn new_takes_one_name_a_path_and_a_board() {
        assert_eq!(
            parse_str("new my-app --path ../my-app --mcu microbit"),
            Ok(Command::New {
                name: "my-app".into(),
                path: Some("../my-app".into()),
                mcu: Some("microbit".into()),
            })
        );
        assert!(err("new").contains("needs the crate's NAME"));
        assert!(err("new a b").contains("`b` is a second"));
        assert!(err("new a --target x86_64-linux").contains("--path DIR, --mcu BOARD"));
    }
}
