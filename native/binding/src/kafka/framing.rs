//! What a poll hands to JavaScript: per partition, the values of its messages joined into one chunk of lines (a
//! newline added to a value without one, as the JavaScript framing did), with the offset after the last one.
//! Which messages are taken is decided here, under the positions lock (see `Positions`): each offset once, in
//! order, only of partitions assigned now and below their end offset.
use std::collections::{HashMap, HashSet};

/// The read side's view of the assignment: set by `assign`/`unassign` from JavaScript, advanced by polls.
#[derive(Default)]
pub struct Positions {
    /// Next offset to take per assigned partition; absent while unknown (librdkafka starts at the committed
    /// offset or `auto.offset.reset`, and the first message tells).
    next: HashMap<i32, i64>,
    /// Finite reads: messages at or past this offset are not taken.
    end: HashMap<i32, i64>,
    assigned: HashSet<i32>,
    /// +1 at every assign and unassign: a poll result of an older epoch was fetched for another assignment.
    pub epoch: u32,
}

/// One partition of an assignment as JavaScript gives it.
pub struct Start {
    pub partition: i32,
    pub offset: Option<i64>,
    pub end: Option<i64>,
}

impl Positions {
    pub fn assign(&mut self, starts: &[Start]) {
        self.unassign();
        for s in starts {
            self.assigned.insert(s.partition);
            if let Some(o) = s.offset {
                self.next.insert(s.partition, o);
            }
            if let Some(e) = s.end {
                self.end.insert(s.partition, e);
            }
        }
    }

    pub fn unassign(&mut self) {
        self.next.clear();
        self.end.clear();
        self.assigned.clear();
        self.epoch = self.epoch.wrapping_add(1);
    }

    /// Whether the message at `offset` is new: taken once, in order. One fetch can hand back, after a rebalance,
    /// the prefetched records of the old assignment and then the same offsets fetched anew.
    pub fn take(&mut self, partition: i32, offset: i64) -> bool {
        if !self.assigned.contains(&partition) {
            return false;
        }
        if offset >= self.end.get(&partition).copied().unwrap_or(i64::MAX) {
            return false;
        }
        let next = self.next.entry(partition).or_insert(offset);
        if offset < *next {
            return false;
        }
        *next = offset + 1;
        true
    }
}

/// The lines of one partition taken by one poll.
pub struct PartitionChunk {
    pub partition: i32,
    pub data: Vec<u8>,
    /// Offset of the last message taken (empty values included).
    pub last_offset: i64,
    pub messages: u32,
}

#[derive(Default)]
pub struct Framer {
    pub chunks: Vec<PartitionChunk>,
    pub bytes: usize,
    pub messages: u32,
}

impl Framer {
    pub fn push(&mut self, partition: i32, offset: i64, value: Option<&[u8]>) {
        let i = match self.chunks.iter().position(|c| c.partition == partition) {
            Some(i) => i,
            None => {
                self.chunks.push(PartitionChunk { partition, data: Vec::new(), last_offset: offset, messages: 0 });
                self.chunks.len() - 1
            }
        };
        let chunk = &mut self.chunks[i];
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            chunk.data.extend_from_slice(v);
            self.bytes += v.len();
            if v.last() != Some(&b'\n') {
                chunk.data.push(b'\n');
                self.bytes += 1;
            }
        }
        chunk.last_offset = offset;
        chunk.messages += 1;
        self.messages += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(starts: &[(i32, Option<i64>, Option<i64>)]) -> Positions {
        let mut p = Positions::default();
        p.assign(&starts.iter().map(|&(partition, offset, end)| Start { partition, offset, end }).collect::<Vec<_>>());
        p
    }

    #[test]
    fn each_offset_once_in_order_of_assigned_partitions_below_their_end() {
        let mut p = positions(&[(0, Some(10), None), (1, None, Some(3))]);
        assert!(!p.take(0, 9), "below the start");
        assert!(p.take(0, 10));
        assert!(p.take(0, 12), "a gap (compaction, transactions) is fine");
        assert!(!p.take(0, 11), "going back: already past");
        assert!(!p.take(0, 12), "the same offset twice");
        assert!(p.take(1, 1), "unknown start: the first message tells");
        assert!(!p.take(1, 0));
        assert!(p.take(1, 2));
        assert!(!p.take(1, 3), "the end offset is not taken");
        assert!(!p.take(2, 0), "not assigned");
    }

    #[test]
    fn every_assign_and_unassign_starts_a_new_epoch_and_forgets_the_old_positions() {
        let mut p = positions(&[(0, Some(5), None)]);
        let e = p.epoch;
        assert!(p.take(0, 5));
        p.unassign();
        assert_ne!(p.epoch, e);
        assert!(!p.take(0, 6));
        p.assign(&[Start { partition: 0, offset: Some(2), end: None }]);
        assert!(p.take(0, 2), "the new start, though behind the old position");
    }

    #[test]
    fn framing_joins_values_per_partition_adding_missing_newlines() {
        let mut f = Framer::default();
        f.push(0, 1, Some(b"a"));
        f.push(1, 7, Some(b"x\n"));
        f.push(0, 2, None);
        f.push(0, 3, Some(b"b\nc"));
        f.push(0, 4, Some(b""));
        assert_eq!(f.chunks.len(), 2);
        assert_eq!(f.chunks[0].data, b"a\nb\nc\n");
        assert_eq!((f.chunks[0].last_offset, f.chunks[0].messages), (4, 4));
        assert_eq!(f.chunks[1].data, b"x\n");
        assert_eq!((f.bytes, f.messages), (8, 5));
    }
}
