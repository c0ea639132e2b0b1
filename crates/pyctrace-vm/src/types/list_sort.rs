//! `list.sort` as CPython does it (timsort, Objects/listsort.txt): the same
//! `<` comparisons in the same order, so user `__lt__` methods run (and are
//! traced) exactly as under CPython, and inconsistent comparisons give the
//! same permutation. Version differences: the merge strategy is
//! "powersort" from 3.11 (before: the `merge_collapse` stack invariants),
//! and 3.13 relaxed what counts as a descending run (`count_run`).
//!
//! The sort permutes indices into the key array; a comparison error stops
//! it (the caller discards the result).

use crate::interp::{PyResult, Vm};
use crate::value::Value;

const MIN_GALLOP: usize = 7;
const MAX_MINRUN: usize = 64;

/// Sorts `keys` stably by `<`; returns the sorted order as indices.
pub fn sort_order(vm: &mut Vm, keys: &[Value]) -> PyResult<Vec<usize>> {
    let n = keys.len();
    let mut s = Sorter {
        powersort: vm.version.at_least(3, 11),
        relaxed_runs: vm.version.at_least(3, 13),
        vm,
        keys,
        a: (0..n).collect(),
        tmp: Vec::new(),
        min_gallop: MIN_GALLOP,
        pending: Vec::new(),
    };
    s.sort()?;
    Ok(s.a)
}

/// Which array a gallop searches: the list, or the merge's temp copy.
#[derive(Clone, Copy)]
enum Src {
    Main,
    Tmp,
}

#[derive(Clone, Copy)]
struct Run {
    base: usize,
    len: usize,
    power: u32,
}

struct Sorter<'s, 'v, 'io> {
    vm: &'s mut Vm<'io>,
    keys: &'v [Value],
    /// The permutation being sorted (indices into `keys`).
    a: Vec<usize>,
    tmp: Vec<usize>,
    min_gallop: usize,
    pending: Vec<Run>,
    powersort: bool,
    relaxed_runs: bool,
}

impl Sorter<'_, '_, '_> {
    /// `keys[x] < keys[y]` for key indices x, y.
    fn lt(&mut self, x: usize, y: usize) -> PyResult<bool> {
        self.vm.lt(&self.keys[x], &self.keys[y])
    }

    fn at(&self, src: Src, i: usize) -> usize {
        match src {
            Src::Main => self.a[i],
            Src::Tmp => self.tmp[i],
        }
    }

    fn sort(&mut self) -> PyResult<()> {
        let total = self.a.len();
        if total < 2 {
            return Ok(());
        }
        let minrun = compute_minrun(total);
        let (mut lo, mut remaining) = (0, total);
        while remaining > 0 {
            let mut n = if self.relaxed_runs {
                self.count_run_313(lo, remaining)?
            } else {
                self.count_run(lo, lo + remaining)?
            };
            if n < minrun {
                let force = remaining.min(minrun);
                self.binarysort(lo, lo + force, lo + n)?;
                n = force;
            }
            if self.powersort {
                self.found_new_run(n)?;
                self.pending.push(Run {
                    base: lo,
                    len: n,
                    power: 0,
                });
            } else {
                self.pending.push(Run {
                    base: lo,
                    len: n,
                    power: 0,
                });
                self.merge_collapse()?;
            }
            lo += n;
            remaining -= n;
        }
        self.merge_force_collapse()
    }

    /// Binary insertion sort of `a[lo..hi]`, whose prefix up to `start` is sorted.
    fn binarysort(&mut self, lo: usize, hi: usize, mut start: usize) -> PyResult<()> {
        if start == lo {
            start += 1;
        }
        while start < hi {
            let pivot = self.a[start];
            let (mut l, mut r) = (lo, start);
            while l < r {
                let p = l + ((r - l) >> 1);
                if self.lt(pivot, self.a[p])? {
                    r = p;
                } else {
                    l = p + 1;
                }
            }
            self.a.copy_within(l..start, l + 1);
            self.a[l] = pivot;
            start += 1;
        }
        Ok(())
    }

    /// ≤3.12: the run at `lo` (strictly descending ones reversed).
    fn count_run(&mut self, lo: usize, hi: usize) -> PyResult<usize> {
        if lo + 1 == hi {
            return Ok(1);
        }
        let mut n = 2;
        let mut i = lo + 2;
        if self.lt(self.a[lo + 1], self.a[lo])? {
            while i < hi && self.lt(self.a[i], self.a[i - 1])? {
                n += 1;
                i += 1;
            }
            self.a[lo..lo + n].reverse();
        } else {
            while i < hi && !self.lt(self.a[i], self.a[i - 1])? {
                n += 1;
                i += 1;
            }
        }
        Ok(n)
    }

    /// 3.13+: a descending run may contain equal elements (reversed in
    /// place as groups, to stay stable), and an ascending suffix extends it.
    fn count_run_313(&mut self, lo: usize, remaining: usize) -> PyResult<usize> {
        let mut n = 1;
        while n < remaining {
            if self.lt(self.a[lo + n], self.a[lo + n - 1])? {
                break;
            }
            n += 1;
        }
        if n == remaining {
            return Ok(n);
        }
        if n > 1 {
            if self.lt(self.a[lo], self.a[lo + n - 1])? {
                return Ok(n);
            }
            self.a[lo..lo + n].reverse();
        }
        n += 1;
        let mut neq = 0;
        while n < remaining {
            if self.lt(self.a[lo + n], self.a[lo + n - 1])? {
                self.reverse_last_equal(lo, n, &mut neq);
            } else if self.lt(self.a[lo + n - 1], self.a[lo + n])? {
                break;
            } else {
                neq += 1;
            }
            n += 1;
        }
        self.reverse_last_equal(lo, n, &mut neq);
        self.a[lo..lo + n].reverse();
        while n < remaining {
            if self.lt(self.a[lo + n], self.a[lo + n - 1])? {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    fn reverse_last_equal(&mut self, lo: usize, n: usize, neq: &mut usize) {
        if *neq > 0 {
            let k = *neq + 1;
            self.a[lo + n - k..lo + n].reverse();
            *neq = 0;
        }
    }

    /// Where `key` goes in the sorted `src[base..base+n]`, left of equal
    /// elements, searching out from `hint`.
    fn gallop_left(
        &mut self,
        key: usize,
        src: Src,
        base: usize,
        n: usize,
        hint: usize,
    ) -> PyResult<usize> {
        let (n, hint) = (n as isize, hint as isize);
        let el = |s: &Self, i: isize| s.at(src, base + i as usize);
        let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
        if self.lt(el(self, hint), key)? {
            let maxofs = n - hint;
            while ofs < maxofs {
                if self.lt(el(self, hint + ofs), key)? {
                    lastofs = ofs;
                    ofs = (ofs << 1) + 1;
                } else {
                    break;
                }
            }
            ofs = ofs.min(maxofs);
            lastofs += hint;
            ofs += hint;
        } else {
            let maxofs = hint + 1;
            while ofs < maxofs {
                if self.lt(el(self, hint - ofs), key)? {
                    break;
                }
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            }
            ofs = ofs.min(maxofs);
            let k = lastofs;
            lastofs = hint - ofs;
            ofs = hint - k;
        }
        lastofs += 1;
        while lastofs < ofs {
            let m = lastofs + ((ofs - lastofs) >> 1);
            if self.lt(el(self, m), key)? {
                lastofs = m + 1;
            } else {
                ofs = m;
            }
        }
        Ok(ofs as usize)
    }

    /// As `gallop_left`, but right of equal elements.
    fn gallop_right(
        &mut self,
        key: usize,
        src: Src,
        base: usize,
        n: usize,
        hint: usize,
    ) -> PyResult<usize> {
        let (n, hint) = (n as isize, hint as isize);
        let el = |s: &Self, i: isize| s.at(src, base + i as usize);
        let (mut lastofs, mut ofs): (isize, isize) = (0, 1);
        if self.lt(key, el(self, hint))? {
            let maxofs = hint + 1;
            while ofs < maxofs {
                if self.lt(key, el(self, hint - ofs))? {
                    lastofs = ofs;
                    ofs = (ofs << 1) + 1;
                } else {
                    break;
                }
            }
            ofs = ofs.min(maxofs);
            let k = lastofs;
            lastofs = hint - ofs;
            ofs = hint - k;
        } else {
            let maxofs = n - hint;
            while ofs < maxofs {
                if self.lt(key, el(self, hint + ofs))? {
                    break;
                }
                lastofs = ofs;
                ofs = (ofs << 1) + 1;
            }
            ofs = ofs.min(maxofs);
            lastofs += hint;
            ofs += hint;
        }
        lastofs += 1;
        while lastofs < ofs {
            let m = lastofs + ((ofs - lastofs) >> 1);
            if self.lt(key, el(self, m))? {
                ofs = m;
            } else {
                lastofs = m + 1;
            }
        }
        Ok(ofs as usize)
    }

    /// Merges the run at `pa` (na elements, the smaller) with the one
    /// following it, via a temp copy of the first.
    fn merge_lo(&mut self, pa: usize, mut na: usize, pb: usize, mut nb: usize) -> PyResult<()> {
        self.tmp.clear();
        self.tmp.extend_from_slice(&self.a[pa..pa + na]);
        let (mut dest, mut ia, mut ib) = (pa, 0usize, pb);
        let mut result = Ok(());
        'done: {
            self.a[dest] = self.a[ib];
            dest += 1;
            ib += 1;
            nb -= 1;
            if nb == 0 {
                break 'done;
            }
            if na == 1 {
                return self.copy_b(dest, ia, ib, nb);
            }
            let mut min_gallop = self.min_gallop;
            loop {
                let (mut acount, mut bcount) = (0usize, 0usize);
                loop {
                    let k = match self.lt(self.a[ib], self.tmp[ia]) {
                        Ok(k) => k,
                        Err(e) => {
                            result = Err(e);
                            break 'done;
                        }
                    };
                    if k {
                        self.a[dest] = self.a[ib];
                        dest += 1;
                        ib += 1;
                        bcount += 1;
                        acount = 0;
                        nb -= 1;
                        if nb == 0 {
                            break 'done;
                        }
                        if bcount >= min_gallop {
                            break;
                        }
                    } else {
                        self.a[dest] = self.tmp[ia];
                        dest += 1;
                        ia += 1;
                        acount += 1;
                        bcount = 0;
                        na -= 1;
                        if na == 1 {
                            return self.copy_b(dest, ia, ib, nb);
                        }
                        if acount >= min_gallop {
                            break;
                        }
                    }
                }
                min_gallop += 1;
                loop {
                    min_gallop -= (min_gallop > 1) as usize;
                    self.min_gallop = min_gallop;
                    let k = match self.gallop_right(self.a[ib], Src::Tmp, ia, na, 0) {
                        Ok(k) => k,
                        Err(e) => {
                            result = Err(e);
                            break 'done;
                        }
                    };
                    acount = k;
                    if k > 0 {
                        self.a[dest..dest + k].copy_from_slice(&self.tmp[ia..ia + k]);
                        dest += k;
                        ia += k;
                        na -= k;
                        if na == 1 {
                            return self.copy_b(dest, ia, ib, nb);
                        }
                        // impossible with a consistent `<`, but possible
                        if na == 0 {
                            break 'done;
                        }
                    }
                    self.a[dest] = self.a[ib];
                    dest += 1;
                    ib += 1;
                    nb -= 1;
                    if nb == 0 {
                        break 'done;
                    }
                    let k = match self.gallop_left(self.tmp[ia], Src::Main, ib, nb, 0) {
                        Ok(k) => k,
                        Err(e) => {
                            result = Err(e);
                            break 'done;
                        }
                    };
                    bcount = k;
                    if k > 0 {
                        self.a.copy_within(ib..ib + k, dest);
                        dest += k;
                        ib += k;
                        nb -= k;
                        if nb == 0 {
                            break 'done;
                        }
                    }
                    self.a[dest] = self.tmp[ia];
                    dest += 1;
                    ia += 1;
                    na -= 1;
                    if na == 1 {
                        return self.copy_b(dest, ia, ib, nb);
                    }
                    if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                        break;
                    }
                }
                min_gallop += 1;
                self.min_gallop = min_gallop;
            }
        }
        if na > 0 {
            self.a[dest..dest + na].copy_from_slice(&self.tmp[ia..ia + na]);
        }
        result
    }

    /// merge_lo's ending: the last element of A goes after what is left of B.
    fn copy_b(&mut self, dest: usize, ia: usize, ib: usize, nb: usize) -> PyResult<()> {
        self.a.copy_within(ib..ib + nb, dest);
        self.a[dest + nb] = self.tmp[ia];
        Ok(())
    }

    /// Merges the run at `pa` with the following one (nb elements, the
    /// smaller), from the right, via a temp copy of the second.
    fn merge_hi(&mut self, pa: usize, mut na: usize, pb: usize, mut nb: usize) -> PyResult<()> {
        self.tmp.clear();
        self.tmp.extend_from_slice(&self.a[pb..pb + nb]);
        // positions can step one below `pa` (and the temp's 0) when a side
        // runs out: signed
        let mut dest = (pb + nb - 1) as isize;
        let mut ia = (pa + na - 1) as isize;
        let mut ib = nb as isize - 1;
        let mut result = Ok(());
        'done: {
            self.a[dest as usize] = self.a[ia as usize];
            dest -= 1;
            ia -= 1;
            na -= 1;
            if na == 0 {
                break 'done;
            }
            if nb == 1 {
                return self.copy_a(dest, ia, ib, na);
            }
            let mut min_gallop = self.min_gallop;
            loop {
                let (mut acount, mut bcount) = (0usize, 0usize);
                loop {
                    let k = match self.lt(self.tmp[ib as usize], self.a[ia as usize]) {
                        Ok(k) => k,
                        Err(e) => {
                            result = Err(e);
                            break 'done;
                        }
                    };
                    if k {
                        self.a[dest as usize] = self.a[ia as usize];
                        dest -= 1;
                        ia -= 1;
                        acount += 1;
                        bcount = 0;
                        na -= 1;
                        if na == 0 {
                            break 'done;
                        }
                        if acount >= min_gallop {
                            break;
                        }
                    } else {
                        self.a[dest as usize] = self.tmp[ib as usize];
                        dest -= 1;
                        ib -= 1;
                        bcount += 1;
                        acount = 0;
                        nb -= 1;
                        if nb == 1 {
                            return self.copy_a(dest, ia, ib, na);
                        }
                        if bcount >= min_gallop {
                            break;
                        }
                    }
                }
                min_gallop += 1;
                loop {
                    min_gallop -= (min_gallop > 1) as usize;
                    self.min_gallop = min_gallop;
                    let k =
                        match self.gallop_right(self.tmp[ib as usize], Src::Main, pa, na, na - 1) {
                            Ok(k) => na - k,
                            Err(e) => {
                                result = Err(e);
                                break 'done;
                            }
                        };
                    acount = k;
                    if k > 0 {
                        dest -= k as isize;
                        ia -= k as isize;
                        let (d, s) = ((dest + 1) as usize, (ia + 1) as usize);
                        self.a.copy_within(s..s + k, d);
                        na -= k;
                        if na == 0 {
                            break 'done;
                        }
                    }
                    self.a[dest as usize] = self.tmp[ib as usize];
                    dest -= 1;
                    ib -= 1;
                    nb -= 1;
                    if nb == 1 {
                        return self.copy_a(dest, ia, ib, na);
                    }
                    let k = match self.gallop_left(self.a[ia as usize], Src::Tmp, 0, nb, nb - 1) {
                        Ok(k) => nb - k,
                        Err(e) => {
                            result = Err(e);
                            break 'done;
                        }
                    };
                    bcount = k;
                    if k > 0 {
                        dest -= k as isize;
                        ib -= k as isize;
                        let (d, s) = ((dest + 1) as usize, (ib + 1) as usize);
                        self.a[d..d + k].copy_from_slice(&self.tmp[s..s + k]);
                        nb -= k;
                        if nb == 1 {
                            return self.copy_a(dest, ia, ib, na);
                        }
                        // impossible with a consistent `<`, but possible
                        if nb == 0 {
                            break 'done;
                        }
                    }
                    self.a[dest as usize] = self.a[ia as usize];
                    dest -= 1;
                    ia -= 1;
                    na -= 1;
                    if na == 0 {
                        break 'done;
                    }
                    if acount < MIN_GALLOP && bcount < MIN_GALLOP {
                        break;
                    }
                }
                min_gallop += 1;
                self.min_gallop = min_gallop;
            }
        }
        if nb > 0 {
            let d = (dest + 1) as usize - nb;
            self.a[d..d + nb].copy_from_slice(&self.tmp[..nb]);
        }
        result
    }

    /// merge_hi's ending: the first element of B goes before what is left of A.
    fn copy_a(&mut self, dest: isize, ia: isize, ib: isize, na: usize) -> PyResult<()> {
        let (d, s) = ((dest + 1) as usize - na, (ia + 1) as usize - na);
        self.a.copy_within(s..s + na, d);
        self.a[d - 1] = self.tmp[ib as usize];
        Ok(())
    }

    /// Merges pending runs i and i+1.
    fn merge_at(&mut self, i: usize) -> PyResult<()> {
        let Run {
            base: pa, len: na, ..
        } = self.pending[i];
        let Run {
            base: pb, len: nb, ..
        } = self.pending[i + 1];
        self.pending[i].len = na + nb;
        if i + 3 == self.pending.len() {
            self.pending[i + 1] = self.pending[i + 2];
        }
        self.pending.pop();
        // elements of A before B's first are already in place
        let k = self.gallop_right(self.a[pb], Src::Main, pa, na, 0)?;
        let (pa, na) = (pa + k, na - k);
        if na == 0 {
            return Ok(());
        }
        // and so are elements of B after A's last
        let nb = self.gallop_left(self.a[pa + na - 1], Src::Main, pb, nb, nb - 1)?;
        if nb == 0 {
            return Ok(());
        }
        if na <= nb {
            self.merge_lo(pa, na, pb, nb)
        } else {
            self.merge_hi(pa, na, pb, nb)
        }
    }

    /// ≤3.10: restores the stack invariants after a push.
    fn merge_collapse(&mut self) -> PyResult<()> {
        while self.pending.len() > 1 {
            let p = &self.pending;
            let mut n = p.len() - 2;
            if (n > 0 && p[n - 1].len <= p[n].len + p[n + 1].len)
                || (n > 1 && p[n - 2].len <= p[n - 1].len + p[n].len)
            {
                if p[n - 1].len < p[n + 1].len {
                    n -= 1;
                }
                self.merge_at(n)?;
            } else if p[n].len <= p[n + 1].len {
                self.merge_at(n)?;
            } else {
                break;
            }
        }
        Ok(())
    }

    /// 3.11+: before pushing a run of `n2`, merges the runs whose power
    /// exceeds the new boundary's.
    fn found_new_run(&mut self, n2: usize) -> PyResult<()> {
        let Some(last) = self.pending.last().copied() else {
            return Ok(());
        };
        let power = powerloop(last.base, last.len, n2, self.a.len());
        while self.pending.len() > 1 && self.pending[self.pending.len() - 2].power > power {
            self.merge_at(self.pending.len() - 2)?;
        }
        if let Some(top) = self.pending.last_mut() {
            top.power = power;
        }
        Ok(())
    }

    fn merge_force_collapse(&mut self) -> PyResult<()> {
        while self.pending.len() > 1 {
            let p = &self.pending;
            let mut n = p.len() - 2;
            if n > 0 && p[n - 1].len < p[n + 1].len {
                n -= 1;
            }
            self.merge_at(n)?;
        }
        Ok(())
    }
}

fn compute_minrun(mut n: usize) -> usize {
    let mut r = 0;
    while n >= MAX_MINRUN {
        r |= n & 1;
        n >>= 1;
    }
    n + r
}

/// The depth of the boundary between adjacent runs [s1, s1+n1) and
/// [s1+n1, s1+n1+n2) in the merge tree of a list of `n` (powersort).
fn powerloop(s1: usize, n1: usize, n2: usize, n: usize) -> u32 {
    let mut result = 0;
    // twice the midpoints of both runs, to stay in integers
    let mut a = 2 * s1 + n1;
    let mut b = a + n1 + n2;
    loop {
        result += 1;
        if a >= n {
            a -= n;
            b -= n;
        } else if b >= n {
            break;
        }
        a <<= 1;
        b <<= 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powerloop_small_cases() {
        // two halves of 8: the root boundary
        assert_eq!(powerloop(0, 4, 4, 8), 1);
        assert_eq!(powerloop(0, 2, 2, 8), 2);
        assert_eq!(powerloop(4, 2, 2, 8), 2);
    }

    #[test]
    fn minrun_is_between_32_and_64() {
        assert_eq!(compute_minrun(63), 63);
        assert_eq!(compute_minrun(64), 32);
        assert_eq!(compute_minrun(65), 33);
        assert_eq!(compute_minrun(2112), 33);
    }
}
