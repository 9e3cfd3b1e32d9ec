;; The byte work of the transform's fast path (fast-path.ts): the scan of a record, 16 bytes at a
;; time with WebAssembly SIMD, and the copies that assemble a row. Compiled by `npm run gen:wasm` (wabt) into fast-path-bytes.wasm.ts; a test checks that the
;; committed bytes are this file's.
;;
;; index(end, out) reads the record in memory[0, end), 16 bytes at a time; in the last load, the
;; lanes at or past `end` (left over from earlier records) are masked out.
;;   -1                            a byte < 0x20 or a backslash (0x5c): escapes or control
;;                                 characters, which the fast path leaves to JSON.parse
;;   (quotes << 1) | high          otherwise: the number of '"' bytes, whose positions are
;;                                 written as i32 at out, in order; high = 1 when some byte is
;;                                 >= 0x80 (the record is not ASCII, so its UTF-8 must be checked)
(module
  (memory (export "memory") 8)
  (func (export "index") (param $end i32) (param $out i32) (result i32)
    (local $p i32)
    (local $v v128)
    (local $m i32)
    (local $n i32)
    (local $high v128)
    (local $valid v128)
    (local.set $valid (v128.const i64x2 -1 -1))
    (block $done
      (loop $chunk
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $v (v128.load (local.get $p)))
        ;; in the last load, lane i is valid when i < end - p; the others are zeroed
        (if (i32.lt_u (i32.sub (local.get $end) (local.get $p)) (i32.const 16))
          (then
            (local.set $valid
              (i8x16.lt_u
                (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
                (i8x16.splat (i32.sub (local.get $end) (local.get $p)))))
            (local.set $v (v128.and (local.get $v) (local.get $valid)))))
        ;; masked-out lanes are 0x00 now: count them as neither bad nor quote
        (if (v128.any_true
              (v128.and (local.get $valid) (v128.or
                (i8x16.lt_u (local.get $v) (v128.const i8x16 0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20
                                                              0x20 0x20 0x20 0x20 0x20 0x20 0x20 0x20))
                (i8x16.eq (local.get $v) (v128.const i8x16 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c
                                                           0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c 0x5c)))))
          (then (return (i32.const -1))))
        (local.set $high (v128.or (local.get $high) (local.get $v)))
        ;; one bit per '"' in the chunk; write each position and clear the lowest bit
        (local.set $m
          (i8x16.bitmask
            (i8x16.eq (local.get $v) (v128.const i8x16 0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22
                                                       0x22 0x22 0x22 0x22 0x22 0x22 0x22 0x22))))
        (block $written
          (loop $quote
            (br_if $written (i32.eqz (local.get $m)))
            (i32.store
              (i32.add (local.get $out) (i32.shl (local.get $n) (i32.const 2)))
              (i32.add (local.get $p) (i32.ctz (local.get $m))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (local.set $m (i32.and (local.get $m) (i32.sub (local.get $m) (i32.const 1))))
            (br $quote)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $chunk)))
    (i32.or
      (i32.shl (local.get $n) (i32.const 1))
      (i32.ne (i8x16.bitmask (local.get $high)) (i32.const 0))))

  ;; assemble(prog, count, out) copies `count` pieces to memory[out, ...), one after another: piece
  ;; k is (source, length) as two i32 at prog + 8k. Returns where the last piece ends.
  (func (export "assemble") (param $prog i32) (param $count i32) (param $out i32) (result i32)
    (local $end i32)
    (local $len i32)
    (local.set $end (i32.add (local.get $prog) (i32.shl (local.get $count) (i32.const 3))))
    (block $done
      (loop $piece
        (br_if $done (i32.ge_u (local.get $prog) (local.get $end)))
        (local.set $len (i32.load offset=4 (local.get $prog)))
        (memory.copy (local.get $out) (i32.load (local.get $prog)) (local.get $len))
        (local.set $out (i32.add (local.get $out) (local.get $len)))
        (local.set $prog (i32.add (local.get $prog) (i32.const 8)))
        (br $piece)))
    (local.get $out))
)
