//! Property test for the mapped JSON path (`json.preset` / `json.fields`) and the lossy UTF-8 path: arbitrary
//! bytes around real-server lines never panic, and the results never depend on where the chunks were cut.

use logpulse_core::{Format, JsonInput, JsonKeys, Shard, ShardOptions, TimestampUnit};
use proptest::prelude::*;

const NOW: i64 = 1_765_000_000_000_000;

fn run(preset: &str, format: Format, chunks: &[&[u8]]) -> (Vec<u8>, Vec<u8>) {
    let json = JsonInput { keys: JsonKeys::preset(preset).unwrap(), timestamp_unit: TimestampUnit::S };
    let mut shard = Shard::new(ShardOptions { format, json, max_line_bytes: 300, ..ShardOptions::default() }).unwrap();
    let (mut errors, mut rejected) = (Vec::new(), Vec::new());
    for c in chunks.iter().copied().chain(std::iter::once(&b""[..])) {
        let out = if c.is_empty() { shard.flush(NOW) } else { shard.process("s", c, NOW) };
        errors.extend(out.errors);
        rejected.extend(out.rejected);
    }
    (errors, rejected)
}

fn log_like() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{\"time_iso8601\":\"2025-12-06T05:46:40+00:00\",\"remote_addr\":\"::1\",\"request_method\":\"\",\"request_uri\":\"/\xe9\",\"status\":400}\n".to_vec()),
        Just(b"{\"time\":\"2025-12-06T06:46:40.5+0100\",\"client\":\"1.2.3.4\",\"method\":\"GET\",\"uri\":\"/\\xc3\\x28\",\"status\":404}\n".to_vec()),
        Just(b"{\"@timestamp\":1765000000.5,\"source\":{\"ip\":\"1.2.3.4\"},\"http\":{\"request.method\":\"GET\",\"response\":{\"status_code\":503}},\"url.original\":\"/\"}\n".to_vec()),
        Just(b"127.0.0.1 - - [06/Dec/2025:05:46:40 +0000] \"GARBAGE\" 400 157 \"-\" \"\\\"x\" 0.001\n".to_vec()),
        Just(b"{\"source\":{\"ip\":[[[{\"a\":\"\\x4".to_vec()),
        Just(b"\\x".to_vec()),
        Just(b"\xff\xc3\"".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..40),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn mapped_json_any_bytes_any_cuts_same_results(data in log_like(), cut in any::<usize>(), p in 0usize..3, auto in any::<bool>()) {
        let preset = ["nginx", "apache", "ecs"][p];
        let format = if auto { Format::Auto } else { Format::Json };
        let whole = run(preset, format, &[&data]);
        let at = if data.is_empty() { 0 } else { cut % data.len() };
        prop_assert_eq!(&whole, &run(preset, format, &[&data[..at], &data[at..]]));
        // error records are valid UTF-8 whatever the input
        prop_assert!(std::str::from_utf8(&whole.0).is_ok());
    }
}
