//! Running programs with a deadline and capturing what they print.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub struct Output {
    /// `None` when the program was killed by a signal or by the deadline.
    pub code: Option<i32>,
    pub timed_out: bool,
    pub stdout: String,
    pub stderr: String,
    #[allow(dead_code)]
    pub elapsed: Duration,
}

impl Output {
    pub fn describe_exit(&self) -> String {
        if self.timed_out {
            return "timed out".into();
        }
        match self.code {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".into(),
        }
    }
}

/// Starts `cmd` with no stdin and its stdout and stderr piped to us.
pub fn spawn_piped(cmd: &mut Command) -> Result<(Child, ChildStdout, ChildStderr), String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let (Some(out), Some(err)) = (child.stdout.take(), child.stderr.take()) else {
        let _ = child.kill();
        return Err(format!("{cmd:?}: no pipes"));
    };
    Ok((child, out, err))
}

/// A server process started by [`start_server`].
pub struct Started {
    pub child: Child,
    /// The first line it printed (where it says what it listens on).
    pub first: String,
    /// Its later stdout lines, as they come.
    pub lines: mpsc::Receiver<String>,
}

/// Starts the server `cmd` and waits up to 20 s for its first stdout line.
/// Its stdout lines keep arriving on [`Started::lines`]; its stderr is read
/// and dropped, so neither pipe can fill up and stall it. `what` names it in
/// the error.
pub fn start_server(cmd: &mut Command, what: &str) -> Result<Started, String> {
    let (mut child, out, err) = spawn_piped(cmd)?;
    let (tx, lines) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut { err }, &mut std::io::sink());
    });
    let Ok(first) = lines.recv_timeout(Duration::from_secs(20)) else {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("{what} printed nothing within 20 s"));
    };
    Ok(Started {
        child,
        first,
        lines,
    })
}

/// Runs `cmd` to completion or until `limit`, whichever comes first.
/// Output is drained on threads so a chatty child cannot block on a full pipe.
pub fn run_with_timeout(mut cmd: Command, limit: Duration) -> Result<Output, String> {
    let start = Instant::now();
    let (mut child, mut out, mut err) = spawn_piped(&mut cmd)?;
    let out_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if start.elapsed() > limit {
            timed_out = true;
            let _ = child.kill();
            break child.wait().map_err(|e| e.to_string())?;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    Ok(Output {
        code: if timed_out { None } else { status.code() },
        timed_out,
        stdout,
        stderr,
        elapsed: start.elapsed(),
    })
}

/// Runs `cmd` to completion with its output captured: `Ok` on success,
/// else the last 20 lines of its stderr, or of its stdout when stderr is
/// empty (`cargo fmt --check` prints its diff there).
pub fn succeeds(mut cmd: Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| e.to_string())?;
    if out.status.success() {
        return Ok(());
    }
    let stream = if out.stderr.iter().all(u8::is_ascii_whitespace) {
        &out.stdout
    } else {
        &out.stderr
    };
    let text = String::from_utf8_lossy(stream);
    let lines: Vec<&str> = text.lines().collect();
    Err(lines[lines.len().saturating_sub(20)..].join("\n"))
}
