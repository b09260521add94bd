//! What a guest can find out about its sandbox: preopened directories, environment, args,
//! stdin, terminals, DNS, TCP and UDP — reported as one `key=value;…` line so that every run
//! path (a direct call, the workbench, HTTP) can be compared on the same text.

use crate::wasi;
use wasi::filesystem::types::DescriptorFlags;
use wasi::io::streams::StreamError;
use wasi::sockets::network::{
    ErrorCode, IpAddress, IpAddressFamily, IpSocketAddress, Ipv4SocketAddress,
};

/// The probe line: `preopens=[…];env=[…];args=[…];cwd=…;stdin=…;tty-stdin=…;tty-stdout=…;
/// tty-stderr=…;fs-root=…;dns=…;tcp=…;udp=…`.
pub fn report(tcp_addr: &str) -> String {
    let preopens: Vec<String> = wasi::filesystem::preopens::get_directories()
        .into_iter()
        .map(|(dir, path)| {
            let writable = dir
                .get_flags()
                .map(|f| f.contains(DescriptorFlags::MUTATE_DIRECTORY))
                .unwrap_or(false);
            format!("{path}({})", if writable { "rw" } else { "ro" })
        })
        .collect();
    let env: Vec<String> = wasi::cli::environment::get_environment()
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    let args = wasi::cli::environment::get_arguments();
    let cwd = wasi::cli::environment::initial_cwd().unwrap_or_else(|| "none".into());
    let stdin = match read_stdin(1) {
        Ok(s) if s.is_empty() => "empty".to_string(),
        Ok(s) => format!("{} bytes", s.len()),
        Err(e) => e,
    };
    let tty = |present: bool| if present { "yes" } else { "no" };
    let fields = [
        ("preopens", format!("[{}]", preopens.join(","))),
        ("env", format!("[{}]", env.join(","))),
        ("args", format!("[{}]", args.join(","))),
        ("cwd", cwd),
        ("stdin", stdin),
        (
            "tty-stdin",
            tty(wasi::cli::terminal_stdin::get_terminal_stdin().is_some()).into(),
        ),
        (
            "tty-stdout",
            tty(wasi::cli::terminal_stdout::get_terminal_stdout().is_some()).into(),
        ),
        (
            "tty-stderr",
            tty(wasi::cli::terminal_stderr::get_terminal_stderr().is_some()).into(),
        ),
        (
            "fs-root",
            match std::fs::read_dir("/") {
                Ok(_) => "readable".into(),
                Err(e) => format!("denied({e})"),
            },
        ),
        (
            "dns",
            match resolve("localhost") {
                Ok(addrs) => format!("resolved({})", addrs.join(",")),
                Err(e) => format!("denied({e})"),
            },
        ),
        (
            "tcp",
            match std::net::TcpStream::connect(tcp_addr) {
                Ok(_) => "connected".into(),
                Err(e) => format!("denied({e})"),
            },
        ),
        (
            "udp",
            match udp_bind_loopback() {
                Ok(()) => "bound".into(),
                Err(e) => format!("denied({e})"),
            },
        ),
    ];
    fields
        .iter()
        .map(|(k, v)| format!("{k}={}", clean(v)))
        .collect::<Vec<_>>()
        .join(";")
}

/// Keeps a value from breaking the `key=value;` syntax or the WAVE string it travels in.
fn clean(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            ';' | '=' | '"' | '\'' | '\\' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// Up to `max` bytes of stdin, without waiting for more than is already there.
pub fn read_stdin(max: u64) -> Result<String, String> {
    let stdin = wasi::cli::stdin::get_stdin();
    match stdin.read(max) {
        Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
        Err(StreamError::Closed) => Err("closed".into()),
        Err(StreamError::LastOperationFailed(e)) => Err(e.to_debug_string()),
    }
}

/// All addresses `name` resolves to through `wasi:sockets/ip-name-lookup`.
pub fn resolve(name: &str) -> Result<Vec<String>, String> {
    let network = wasi::sockets::instance_network::instance_network();
    let stream = wasi::sockets::ip_name_lookup::resolve_addresses(&network, name)
        .map_err(code)?;
    let mut out = Vec::new();
    loop {
        match stream.resolve_next_address() {
            Ok(Some(addr)) => out.push(match addr {
                IpAddress::Ipv4((a, b, c, d)) => format!("{a}.{b}.{c}.{d}"),
                IpAddress::Ipv6(v) => format!("{v:x?}"),
            }),
            Ok(None) => return Ok(out),
            Err(ErrorCode::WouldBlock) => stream.subscribe().block(),
            Err(e) => return Err(code(e)),
        }
    }
}

/// Creates a UDP socket and binds it to an ephemeral loopback port.
fn udp_bind_loopback() -> Result<(), String> {
    let network = wasi::sockets::instance_network::instance_network();
    let socket = wasi::sockets::udp_create_socket::create_udp_socket(IpAddressFamily::Ipv4)
        .map_err(code)?;
    let local = IpSocketAddress::Ipv4(Ipv4SocketAddress {
        port: 0,
        address: (127, 0, 0, 1),
    });
    socket.start_bind(&network, local).map_err(code)?;
    loop {
        match socket.finish_bind() {
            Ok(()) => return Ok(()),
            Err(ErrorCode::WouldBlock) => socket.subscribe().block(),
            Err(e) => return Err(code(e)),
        }
    }
}

fn code(e: ErrorCode) -> String {
    e.name().to_string()
}
