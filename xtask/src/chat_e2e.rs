//! Loopback self-test of the `chat` relay (programs/src/bin/chat.rs), as a
//! process, natively and under QEMU: several clients, lines relayed to all
//! others and not to the sender, bad lines refused, a client that stops
//! reading told what it missed, a full server answering politely, an idle
//! client dropped, bad arguments refused. Servers bind port 0 and print
//! the address first, so parallel runs never collide.

use crate::cargo_build::run_command;
use crate::process::{Started, run_with_timeout, start_server};
use crate::summary::Summary;
use crate::targets::Target;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The relay's limits (programs/src/bin/chat.rs).
const MAX_CLIENTS: usize = 64;
const MAX_LINE: usize = 255;
/// Lines sent while two clients do not read: far more than the relay's
/// ring of 32 and the kernel buffers between.
const BLAST: usize = 4000;
/// How long any single read may wait.
const READ_TIMEOUT: Duration = Duration::from_secs(20);

/// A running relay; killed on drop.
struct Relay {
    child: Child,
    addr: SocketAddr,
    /// Its stdout, line by line (the log of joins and leaves).
    log: mpsc::Receiver<String>,
}

impl Relay {
    fn start(target: &Target, elf: &Path, native: bool, idle_secs: u32) -> Result<Relay, String> {
        let mut cmd = run_command(target, elf, native);
        cmd.args(["127.0.0.1:0", &idle_secs.to_string()]);
        let Started {
            child,
            first,
            lines,
        } = start_server(&mut cmd, "the relay")?;
        let addr = first
            .strip_prefix("chat relay listening on ")
            .and_then(|a| a.parse().ok())
            .ok_or_else(|| format!("no address in {first:?}"))?;
        Ok(Relay {
            child,
            addr,
            log: lines,
        })
    }

    /// Waits until the log has shown `n` more lines containing `what`.
    fn wait_log(&self, what: &str, n: usize) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = 0;
        while seen < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.log.recv_timeout(left) {
                Ok(l) if l.contains(what) => seen += 1,
                Ok(_) => {}
                Err(_) => return Err(format!("the log showed {seen} of {n} {what:?} lines")),
            }
        }
        Ok(())
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One chat client.
struct Client {
    id: u32,
    out: TcpStream,
    input: BufReader<TcpStream>,
}

impl Client {
    /// Connects and reads the welcome (which says the client's id).
    fn join(addr: SocketAddr) -> Result<Client, String> {
        let (out, input) = connect(addr)?;
        let mut c = Client { id: 0, out, input };
        let welcome = c.line()?;
        c.id = welcome
            .strip_prefix("* welcome, you are user")
            .and_then(|r| r.split(';').next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("not a welcome: {welcome:?}"))?;
        Ok(c)
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.out.write_all(bytes).map_err(|e| format!("send: {e}"))
    }

    /// The next line, without its `\n`; an error at EOF.
    fn line(&mut self) -> Result<String, String> {
        let mut buf = Vec::new();
        match self.input.read_until(b'\n', &mut buf) {
            Ok(0) => Err("the relay closed the connection".into()),
            Ok(_) if buf.ends_with(b"\n") => {
                buf.pop();
                String::from_utf8(buf).map_err(|e| format!("not UTF-8 from the relay: {e}"))
            }
            Ok(_) => Err(format!("a cut line at EOF: {buf:?}")),
            Err(e) => Err(format!("read: {e}")),
        }
    }

    /// The next line that is not a join or leave announcement.
    fn next_message(&mut self) -> Result<String, String> {
        loop {
            let l = self.line()?;
            if !(l.starts_with("* user") && (l.ends_with(" joined") || l.ends_with(" left"))) {
                return Ok(l);
            }
        }
    }

    /// Whether the relay closes the connection (after any lines).
    fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        std::io::Read::read_to_end(&mut self.input, &mut rest).is_ok()
    }
}

fn connect(addr: SocketAddr) -> Result<(TcpStream, BufReader<TcpStream>), String> {
    let s = TcpStream::connect_timeout(&addr, Duration::from_secs(10))
        .map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(READ_TIMEOUT)).ok();
    s.set_nodelay(true).ok();
    let r = s.try_clone().map_err(|e| e.to_string())?;
    Ok((s, BufReader::new(r)))
}

/// Runs every check of the relay for one target and way of running.
pub fn check(target: &Target, elf: &Path, native: bool, tag: &str, summary: &mut Summary) {
    let name = |what: &str| format!("{tag} chat: {what}");
    let mut relay = match Relay::start(target, elf, native, 30) {
        Ok(r) => r,
        Err(e) => return summary.record(&name("starts and prints its address"), Err(e)),
    };
    let clients = (|| {
        Ok::<_, String>([
            Client::join(relay.addr)?,
            Client::join(relay.addr)?,
            Client::join(relay.addr)?,
        ])
    })();
    let mut c = match clients {
        Ok(c) => c,
        Err(e) => return summary.record(&name("three clients join"), Err(e)),
    };
    summary.record(
        &name("a line goes to every other client, not to the sender"),
        relays_to_others(&mut c),
    );
    summary.record(
        &name("over-long, non-UTF-8 and control-character lines are refused to the sender only"),
        refuses_bad_lines(&mut c),
    );
    summary.record(
        &name("a client that stops reading is told exactly how many lines it missed"),
        reports_lag(&mut c),
    );
    drop(c);
    let r = relay
        .wait_log(" left (", 3)
        .and_then(|()| full_server(&relay));
    summary.record(&name("a full relay answers politely and keeps serving"), r);
    let r = if relay.alive() {
        Ok(())
    } else {
        Err("the relay died".into())
    };
    summary.record(&name("still running after all of it"), r);
    drop(relay);

    summary.record(
        &name("an idle client is dropped, an active one stays"),
        idle_client(target, elf, native),
    );
    summary.record(
        &name("bad arguments: a message and exit 2"),
        bad_arguments(target, elf, native),
    );
}

fn relays_to_others(c: &mut [Client; 3]) -> Result<(), String> {
    let (one, two) = (c[0].id, c[1].id);
    c[0].send(b"hello from one\n")?;
    for k in [1, 2] {
        let got = c[k].next_message()?;
        if got != format!("user{one}: hello from one") {
            return Err(format!("client {k} got {got:?}"));
        }
    }
    // The sender's next message is the reply: its own line never came.
    c[1].send(b"two says hi\r\n")?;
    let got = c[0].next_message()?;
    if got != format!("user{two}: two says hi") {
        return Err(format!(
            "the sender got {got:?} (its own line relayed back?)"
        ));
    }
    let got = c[2].next_message()?;
    if got != format!("user{two}: two says hi") {
        return Err(format!("client 2 got {got:?}"));
    }
    Ok(())
}

fn refuses_bad_lines(c: &mut [Client; 3]) -> Result<(), String> {
    let one = c[0].id;
    let mut long = vec![b'x'; MAX_LINE + 1];
    long.push(b'\n');
    c[0].send(&long)?;
    c[0].send(b"\xff\xfe bad bytes\n")?;
    c[0].send(b"\x1b[2J clear screen\n")?;
    for want in [
        "! line too long (at most 255 bytes); dropped",
        "! not UTF-8; dropped",
        "! control characters are not allowed; dropped",
    ] {
        let got = c[0].next_message()?;
        if got != want {
            return Err(format!("the sender got {got:?}, want {want:?}"));
        }
    }
    // A line of exactly the limit, one split over two writes, and one
    // spanning a longer write's halves all pass; nothing of the bad ones
    // reached the others.
    let exact = "y".repeat(MAX_LINE);
    c[0].send(format!("{exact}\n").as_bytes())?;
    c[0].send(b"par")?;
    std::thread::sleep(Duration::from_millis(20));
    c[0].send(b"tial\nsecond\n")?;
    for k in [1, 2] {
        for want in [
            format!("user{one}: {exact}"),
            format!("user{one}: partial"),
            format!("user{one}: second"),
        ] {
            let got = c[k].next_message()?;
            if got != want {
                return Err(format!("client {k} got {got:?}, want {want:?}"));
            }
        }
    }
    Ok(())
}

fn reports_lag(c: &mut [Client; 3]) -> Result<(), String> {
    let one = c[0].id;
    // Clients 1 and 2 stop reading; client 0 sends far more than the
    // relay keeps, padded so the kernel buffers fill.
    let pad = "z".repeat(180);
    let mut blast = String::new();
    for n in 0..BLAST {
        blast.push_str(&format!("blast {n:05} {pad}\n"));
    }
    blast.push_str("end of blast\n");
    c[0].send(blast.as_bytes())?;
    // Now client 2 reads: every blast line arrives in order or is counted
    // in a "missed" notice, and the marker arrives last.
    let (mut got, mut missed, mut notices, mut last) = (0usize, 0usize, 0, None);
    loop {
        let l = c[2].next_message()?;
        if l == format!("user{one}: end of blast") {
            break;
        }
        if let Some(n) = l
            .strip_prefix("! you missed ")
            .and_then(|r| r.strip_suffix(" messages (reading too slowly)"))
        {
            missed += n.parse::<usize>().map_err(|e| format!("{l:?}: {e}"))?;
            notices += 1;
            continue;
        }
        let n: usize = l
            .strip_prefix(&format!("user{one}: blast "))
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("unexpected line {l:?}"))?;
        if last.is_some_and(|l| n <= l) {
            return Err(format!("blast {n} after {last:?}"));
        }
        last = Some(n);
        got += 1;
    }
    if notices == 0 {
        return Err(format!(
            "no missed notice: got all {got} lines (buffers too big?)"
        ));
    }
    if got + missed != BLAST {
        return Err(format!("got {got} + missed {missed} != {BLAST}"));
    }
    Ok(())
}

fn full_server(relay: &Relay) -> Result<(), String> {
    let mut clients = Vec::new();
    for i in 0..MAX_CLIENTS {
        clients.push(Client::join(relay.addr).map_err(|e| format!("client {i}: {e}"))?);
    }
    let (_out, mut input) = connect(relay.addr)?;
    let mut answer = String::new();
    input
        .read_line(&mut answer)
        .map_err(|e| format!("the {}th client: {e}", MAX_CLIENTS + 1))?;
    if answer != "! server full; try again later\n" {
        return Err(format!("the {}th client got {answer:?}", MAX_CLIENTS + 1));
    }
    let mut rest = String::new();
    if !matches!(std::io::Read::read_to_string(&mut input, &mut rest), Ok(0)) {
        return Err(format!("the turned-away client was not closed: {rest:?}"));
    }
    // One leaves; the next newcomer gets in.
    drop(clients.pop());
    relay.wait_log(" left (", 1)?;
    let mut newcomer = Client::join(relay.addr)?;
    newcomer.send(b"/who\n")?;
    let who = newcomer.next_message()?;
    if who != format!("* {MAX_CLIENTS} here") {
        return Err(format!("/who said {who:?}"));
    }
    Ok(())
}

fn idle_client(target: &Target, elf: &Path, native: bool) -> Result<(), String> {
    let relay = Relay::start(target, elf, native, 1)?;
    let mut idle = Client::join(relay.addr)?;
    let mut active = Client::join(relay.addr)?;
    let idle_id = idle.id;
    let start = Instant::now();
    // The active one talks every 300 ms for 2 s.
    let talker = std::thread::spawn(move || -> Result<Client, String> {
        for _ in 0..7 {
            active.send(b"still here\n")?;
            std::thread::sleep(Duration::from_millis(300));
        }
        Ok(active)
    });
    // It hears the active one's lines, then its own notice.
    let got = loop {
        match idle.line() {
            Ok(l) if l.starts_with('!') => break Ok(l),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    let waited = start.elapsed();
    let mut active = talker.join().map_err(|_| "talker panicked")??;
    let got = got?;
    if got != "! idle for 1 s; goodbye" {
        return Err(format!("the idle client got {got:?}"));
    }
    if waited < Duration::from_millis(900) {
        return Err(format!("dropped after only {waited:?}"));
    }
    if !idle.closed() {
        return Err("the idle client's connection stayed open".into());
    }
    // The active one is still in, and heard that the idle one left.
    active.send(b"/who\n")?;
    let mut lines = Vec::new();
    loop {
        let l = active.line()?;
        if l.starts_with("* ") && l.ends_with(" here") {
            if l != "* 1 here" {
                return Err(format!("/who said {l:?}"));
            }
            break;
        }
        lines.push(l);
    }
    if !lines.contains(&format!("* user{idle_id} left")) {
        return Err(format!(
            "the active client never heard the idle one left: {lines:?}"
        ));
    }
    if lines.iter().any(|l| l.starts_with("! idle")) {
        return Err("the active client was called idle".into());
    }
    Ok(())
}

fn bad_arguments(target: &Target, elf: &Path, native: bool) -> Result<(), String> {
    for (args, want) in [
        (&["300.1.2.3:99999"][..], "bad address"),
        (&["127.0.0.1:0", "0"][..], "bad idle timeout"),
        (&["127.0.0.1:0", "soon"][..], "bad idle timeout"),
        (&["127.0.0.1:0", "5", "extra"][..], "unexpected argument"),
    ] {
        let mut cmd: Command = run_command(target, elf, native);
        cmd.args(args);
        let o = run_with_timeout(cmd, Duration::from_secs(20))?;
        if o.code != Some(2) || !o.stderr.contains(want) {
            return Err(format!(
                "{args:?}: {}, stderr {:?} (want exit 2 and {want:?})",
                o.describe_exit(),
                o.stderr
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The checks alone, against a `chat` built for x86-64 Linux, natively
    /// and under QEMU: `cargo xtask build chat`, then
    /// `cargo test -p xtask chat_e2e -- --ignored --nocapture`.
    #[test]
    #[ignore = "needs the freestanding chat program built"]
    fn chat_relay() {
        let root = crate::root();
        let target = crate::targets::find(&root, "x86_64-linux").unwrap();
        let elf = root.join("target/x86_64-unknown-none/release/chat");
        let mut summary = crate::summary::Summary::default();
        for (mode, native) in crate::freestanding::modes(&target) {
            super::check(&target, &elf, native, &format!("[{mode}]"), &mut summary);
        }
        assert!(summary.finish());
    }
}
