//! `cargo +nightly fuzz run ip`: the client-IP parser returns an address or None for any bytes; an accepted
//! address is the one `std` reads from the same text (IPv4 is hand-written, so this checks it against `std`),
//! and its 4 or 16 key bytes map back to the same address (`ip_from_bytes`, used when a snapshot is restored).
#![no_main]

use std::net::{Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use logpulse_core::ip::{parse_ip, IpKey};
use logpulse_core::window::ip_from_bytes;

fuzz_target!(|data: &[u8]| {
    let Some(key) = parse_ip(data) else { return };
    let text = std::str::from_utf8(data).expect("an accepted address is ASCII/UTF-8");
    match key {
        IpKey::V4(octets) => assert_eq!(text.parse::<Ipv4Addr>().ok(), Some(Ipv4Addr::from(octets)), "{text:?}"),
        IpKey::V6(octets) => assert_eq!(text.parse::<Ipv6Addr>().ok(), Some(Ipv6Addr::from(octets)), "{text:?}"),
    }
    assert_eq!(ip_from_bytes(key.as_bytes()), Some(key));
});
