//! `neon:hostile`: functions that misbehave on purpose, for testing a host's limits and sandbox,
//! called directly (`neon:hostile/hazards`) or over HTTP (`wasi:http/incoming-handler`).

wit_bindgen::generate!({
    path: "../../wit/hostile",
    world: "neon:hostile/hostile@0.1.0",
    // As in http-gateway: the vendored wasi:cli world names a feature-gated timezone import
    // that wit-parser cannot drop; nothing here uses it and unused imports never reach the
    // component.
    features: ["clocks-timezone"],
    generate_all,
});

mod http;
mod probe;

use std::cell::RefCell;
use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use exports::neon::hostile::hazards::{Guest, GuestToken, Token};

const MIB: usize = 1 << 20;

thread_local! {
    // Blocks handed out by `grow-memory`, kept alive for the life of the instance.
    static HOARD: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    // Handles made by `hoard-handles` and `hoard-pollables`, likewise kept alive.
    static TOKENS: RefCell<Vec<Token>> = const { RefCell::new(Vec::new()) };
    static POLLABLES: RefCell<Vec<wasi::io::poll::Pollable>> = const { RefCell::new(Vec::new()) };
}

/// The `token` resource: just a number.
pub struct HostileToken(u32);

impl GuestToken for HostileToken {
    fn new(n: u32) -> Self {
        HostileToken(n)
    }

    fn value(&self) -> u32 {
        self.0
    }
}

/// One slice of `flood` output: ordinary text mixed with everything a terminal must not see raw.
const FLOOD_CHUNK: &[u8] = concat!(
    "hostile flood: ordinary text\n",
    "\x1b]0;pwned\x07",                           // OSC 0: set the window title
    "\x1b[2J\x1b[H",                              // clear the screen, cursor home
    "\x1b[31;1mred bold\x1b[0m\n",                // SGR colours
    "\x1b]8;;https://evil.example/\x07link\x1b]8;;\x07\n", // OSC 8 hyperlink
    "\x1b]52;c;cHduZWQ=\x07",                     // OSC 52: write the clipboard
    "\x1bP+q544e\x1b\\",                          // DCS request
    "\u{85}\u{9b}31m\u{9d}0;c1-title\u{9c}\n",    // C1 controls (NEL, CSI, OSC, ST) as UTF-8
    "\u{202e}txt.exe\u{202c} \u{2066}isolate\u{2069}\n", // bidi override and isolate
    "back\x08\x08\x08\x08space\rcarriage\x07bell\x00nul\x7fdel\n",
)
.as_bytes();

/// Raw bytes that are not valid UTF-8, including a bare 8-bit CSI.
const FLOOD_RAW: &[u8] = b"\x9b2J\xff\xfe\xc3(\x1b\x9b\n";

struct Hostile;

#[inline(never)]
fn descend(depth: u64) -> u64 {
    if depth == 0 {
        return 0;
    }
    // `black_box` around both the argument and the result keeps LLVM from rewriting this
    // into a loop (accumulator tail-recursion elimination), so every level costs a frame.
    let below = descend(black_box(depth - 1));
    black_box(below) + 1
}

impl Guest for Hostile {
    type Token = HostileToken;

    fn spin() {
        let mut n: u64 = 0;
        loop {
            n = black_box(n.wrapping_add(1));
        }
    }

    fn sleep_ms(ms: u64) {
        let deadline = Duration::from_millis(ms);
        let start = Instant::now();
        while start.elapsed() < deadline {
            std::hint::spin_loop();
        }
    }

    fn block_ms(ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    fn recurse(depth: u64) -> u64 {
        descend(depth)
    }

    fn grow_memory(mib: u32) -> u32 {
        let bytes = (mib as usize).saturating_mul(MIB);
        // An allocation the host refuses aborts with "memory allocation of N bytes failed".
        let mut block = vec![0u8; bytes];
        // Write every 4 KiB page so the host really commits the memory.
        for page in block.chunks_mut(4096) {
            page[0] = 0xa5;
        }
        black_box(&mut block);
        HOARD.with(|hoard| {
            let mut hoard = hoard.borrow_mut();
            hoard.push(block);
            let total: usize = hoard.iter().map(Vec::len).sum();
            u32::try_from(total / MIB).unwrap_or(u32::MAX)
        })
    }

    fn big_string(mib: u32) -> String {
        const PATTERN: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-\n";
        PATTERN.repeat((mib as usize).saturating_mul(MIB / PATTERN.len()))
    }

    fn panic(msg: String) {
        panic!("{msg}");
    }

    fn trap_unreachable() {
        #[cfg(target_arch = "wasm32")]
        core::arch::wasm32::unreachable();
        #[cfg(not(target_arch = "wasm32"))]
        std::process::abort();
    }

    fn divide(a: i32, b: i32) -> i32 {
        // Deliberately hostile: promising the compiler that the bad inputs never arrive
        // removes Rust's own zero/overflow checks, so `a / b` is the bare `i32.div_s`
        // instruction and the *wasm* trap fires ("integer divide by zero", "integer
        // overflow") instead of a Rust panic. Breaking the promise is undefined behaviour in
        // Rust terms; it is tolerated only because misbehaving is this component's job, and
        // the emitted code was checked to trap (wasm `i32.div_s` traps on both inputs).
        if b == 0 || (a == i32::MIN && b == -1) {
            unsafe { std::hint::unreachable_unchecked() }
        }
        a / b
    }

    fn flood(mib: u32) {
        flood_into(&mut std::io::stdout().lock(), mib);
    }

    fn read_file(path: String) -> Result<String, String> {
        std::fs::read_to_string(&path).map_err(|e| format!("cannot read `{path}`: {e}"))
    }

    fn env_var(name: String) -> Option<String> {
        std::env::var(name).ok()
    }

    fn list_env() -> Vec<(String, String)> {
        std::env::vars_os()
            .map(|(k, v)| (k.to_string_lossy().into_owned(), v.to_string_lossy().into_owned()))
            .collect()
    }

    fn connect(addr: String) -> Result<(), String> {
        std::net::TcpStream::connect(addr.as_str())
            .map(drop)
            .map_err(|e| format!("cannot connect to `{addr}`: {e}"))
    }

    fn now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
            .unwrap_or(0)
    }

    fn big_list(mib: u32) -> Vec<u8> {
        vec![0xa5; (mib as usize).saturating_mul(MIB)]
    }

    fn big_numbers(n: u32) -> Vec<u64> {
        (0..u64::from(n)).collect()
    }

    fn count_bytes(data: Vec<u8>) -> u64 {
        data.len() as u64
    }

    fn measure(text: String) -> u64 {
        text.len() as u64
    }

    fn flood_stderr(mib: u32) {
        flood_into(&mut std::io::stderr().lock(), mib);
    }

    fn hoard_handles(n: u32) -> u32 {
        TOKENS.with(|tokens| {
            let mut tokens = tokens.borrow_mut();
            for i in 0..n {
                // Each `Token::new` is a `resource.new`: one more entry in the host's table.
                tokens.push(Token::new(HostileToken(i)));
            }
            u32::try_from(tokens.len()).unwrap_or(u32::MAX)
        })
    }

    fn hoard_pollables(n: u32) -> u32 {
        POLLABLES.with(|pollables| {
            let mut pollables = pollables.borrow_mut();
            for _ in 0..n {
                // Each subscription is a host-side WASI resource the guest never drops.
                pollables.push(wasi::clocks::monotonic_clock::subscribe_duration(3_600_000_000_000));
            }
            u32::try_from(pollables.len()).unwrap_or(u32::MAX)
        })
    }

    fn resolve(name: String) -> Result<Vec<String>, String> {
        probe::resolve(&name)
    }

    fn read_stdin(max: u32) -> Result<String, String> {
        probe::read_stdin(u64::from(max))
    }

    fn probe(tcp_addr: String) -> String {
        probe::report(&tcp_addr)
    }
}

/// Writes `mib` MiB of [`FLOOD_CHUNK`]s (every 16th a [`FLOOD_RAW`]) into `out`.
fn flood_into(out: &mut impl Write, mib: u32) {
    let target = (mib as usize).saturating_mul(MIB);
    let mut written = 0usize;
    let mut round = 0usize;
    while written < target {
        let chunk = if round % 16 == 15 { FLOOD_RAW } else { FLOOD_CHUNK };
        let take = chunk.len().min(target - written);
        // A host that caps or closes the stream makes writes fail; stop quietly then.
        if out.write_all(&chunk[..take]).is_err() {
            return;
        }
        written += take;
        round += 1;
    }
    let _ = out.flush();
}

export!(Hostile);
