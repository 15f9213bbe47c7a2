//go:build amd64 && !purego

#include "go_asm.h"
#include "textflag.h"

// func readMet(s string, i int, known []keyGuess, j int, met *[maxKnownNames]memberAt) (ni, nj, v, n int)
//
// readMetGo's loop (metmembers.go), step for step, that also walks a
// member's array or object in the usual form where readMetGo stops at it.
// Registers: SI the text, DX its length, CX i, BX j, R8 len(known), DI
// &known[j], R9 met, R10 n, R13 the value's index, R12 the index past what
// is read of it, R15 the containers open; X1, X2 and X3 hold the quote, the
// backslash and 0x1f in each byte.
TEXT ·readMet(SB), NOSPLIT, $0-96
	MOVQ s_base+0(FP), SI
	MOVQ s_len+8(FP), DX
	MOVQ i+16(FP), CX
	MOVQ known_base+24(FP), DI
	MOVQ known_len+32(FP), R8
	MOVQ j+48(FP), BX
	MOVQ met+56(FP), R9
	XORQ R10, R10
	MOVQ BX, AX
	IMULQ $keyGuess__size, AX
	ADDQ AX, DI
	MOVQ $0x2222222222222222, AX
	MOVQ AX, X1
	PUNPCKLQDQ X1, X1
	MOVQ $0x5c5c5c5c5c5c5c5c, AX
	MOVQ AX, X2
	PUNPCKLQDQ X2, X2
	MOVQ $0x1f1f1f1f1f1f1f1f, AX
	MOVQ AX, X3
	PUNPCKLQDQ X3, X3

guess:
	CMPQ BX, R8
	JGE  atname
	// spanAt: 16 bytes at i and one more (a span longer than 16 fails here),
	// their first bytes those of the span
	MOVQ (keyGuess_nameSpan+nameSpan_long)(DI), AX
	ADDQ CX, AX
	ADDQ $16, AX
	CMPQ AX, DX
	JGE  atname
	MOVQ (SI)(CX*1), AX
	XORQ (keyGuess_nameSpan+nameSpan_head)(DI), AX
	ANDQ (keyGuess_nameSpan+nameSpan_mask)(DI), AX
	MOVQ 8(SI)(CX*1), R11
	XORQ (keyGuess_nameSpan+nameSpan_head+8)(DI), R11
	ANDQ (keyGuess_nameSpan+nameSpan_mask+8)(DI), R11
	ORQ  R11, AX
	JNZ  atname
	// v = i + len(span), within the 16 bytes just compared
	MOVQ (keyGuess_nameSpan+nameSpan_span+8)(DI), R13
	ADDQ CX, R13
	MOVBLZX (SI)(R13*1), AX
	CMPQ (keyGuess_place+memberPlace_into)(DI), $0
	JNE  into
	MOVB $0, (keyGuess_nameSpan+nameSpan_missed)(DI)
	LEAQ 1(R13), R12
	CMPB AL, $0x22
	JEQ  memberstr
	MOVL AX, R11
	SUBL $0x30, R11
	CMPL R11, $9
	JLS  integer
	CMPB AL, $0x2d
	JEQ  minus
	CMPB AL, $0x74
	JEQ  istrue
	CMPB AL, $0x6e
	JEQ  isnull
	CMPB AL, $0x66
	JEQ  isfalse
	CMPB AL, $0x7b
	JEQ  container
	CMPB AL, $0x5b
	JEQ  container
	CMPB AL, $0x20
	JLS  atname
	JMP  atvalue

memberstr:
	XORL AX, AX
	// str reads the string whose opening quote is at R12-1 and returns, R12
	// past its closing quote, to read (AX 0), colon (1) or after (2); an
	// escape, a control character or the text's end go to atvalue, where
	// the scan reads the member's value itself.
str:
	LEAQ 16(R12), R11
	CMPQ R11, DX
	JGT  strtail
	MOVOU (SI)(R12*1), X0
	MOVOU X0, X4
	PCMPEQB X1, X4
	MOVOU X0, X5
	PCMPEQB X2, X5
	POR  X5, X4
	MOVOU X0, X5
	PMINUB X3, X5
	PCMPEQB X0, X5
	POR  X5, X4
	PMOVMSKB X4, R11
	TESTL R11, R11
	JNZ  strspecial
	ADDQ $16, R12
	JMP  str
strspecial:
	BSFL R11, R11
	ADDQ R11, R12
	CMPB (SI)(R12*1), $0x22
	JNE  atvalue
	JMP  strend
strtail:
	CMPQ R12, DX
	JGE  atvalue
	MOVBLZX (SI)(R12*1), R11
	CMPB R11, $0x22
	JEQ  strend
	CMPB R11, $0x5c
	JEQ  atvalue
	CMPB R11, $0x20
	JLO  atvalue
	INCQ R12
	JMP  strtail
strend:
	INCQ R12
	TESTQ AX, AX
	JEQ  read
	CMPQ AX, $1
	JEQ  colon
	JMP  after

minus:
	CMPQ R12, DX
	JGE  malformed
	MOVBLZX (SI)(R12*1), AX
	MOVL AX, R11
	SUBL $0x30, R11
	CMPL R11, $9
	JHI  malformed
	INCQ R12
integer:
	CMPB AL, $0x30
	JEQ  fraction
digits:
	CMPQ R12, DX
	JGE  fraction
	MOVBLZX (SI)(R12*1), R11
	SUBL $0x30, R11
	CMPL R11, $9
	JHI  fraction
	INCQ R12
	JMP  digits
fraction:
	CMPQ R12, DX
	JGE  read
	MOVBLZX (SI)(R12*1), R11
	CMPB R11, $0x2e
	JEQ  atvalue
	ORL  $0x20, R11
	CMPB R11, $0x65
	JEQ  atvalue
	JMP  read

istrue:
	LEAQ 4(R13), R12
	CMPQ R12, DX
	JGT  atvalue
	CMPL (SI)(R13*1), $0x65757274
	JNE  atvalue
	JMP  read
isnull:
	LEAQ 4(R13), R12
	CMPQ R12, DX
	JGT  atvalue
	CMPL (SI)(R13*1), $0x6c6c756e
	JNE  atvalue
	JMP  read
isfalse:
	LEAQ 5(R13), R12
	CMPQ R12, DX
	JGT  atvalue
	CMPL (SI)(R13*1), $0x736c6166
	JNE  atvalue
	CMPB 4(SI)(R13*1), $0x65
	JNE  atvalue
	JMP  read

	// container walks the object or array at R13 in the usual case: no
	// escape, no number but an integer, at most 62 levels. R15 holds the
	// open containers, one bit each (1: an object) above a 1. Anything else
	// goes to atvalue, where the scan reads the whole value itself.
container:
	MOVQ $1, R15
	MOVQ R13, R12
open: // s[R12] opens a container
	BTQ  $62, R15
	JCS  atvalue
	SHLQ $1, R15
	CMPB (SI)(R12*1), $0x7b
	JNE  openarray
	ORQ  $1, R15
openarray:
	INCQ R12
openspace: // white space skipped, AL the byte after it
	CMPQ R12, DX
	JGE  atvalue
	MOVBLZX (SI)(R12*1), AX
	CMPB AL, $0x20
	JHI  openspacedone
	CMPB AL, $0x20
	JEQ  openspaceskip
	CMPB AL, $0x09
	JEQ  openspaceskip
	CMPB AL, $0x0a
	JEQ  openspaceskip
	CMPB AL, $0x0d
	JNE  openspacedone
openspaceskip:
	INCQ R12
	JMP  openspace
openspacedone:
	CMPB AL, $0x7d
	JEQ  close
	CMPB AL, $0x5d
	JEQ  close
item: // s[R12] is AL and starts an element, or a member's name
	TESTQ $1, R15
	JEQ  element
	CMPB AL, $0x22
	JNE  atvalue
	INCQ R12
	MOVL $1, AX
	JMP  str
colon: // past a name: the colon, then the value
colonspace: // white space skipped, AL the byte after it
	CMPQ R12, DX
	JGE  atvalue
	MOVBLZX (SI)(R12*1), AX
	CMPB AL, $0x20
	JHI  colonspacedone
	CMPB AL, $0x20
	JEQ  colonspaceskip
	CMPB AL, $0x09
	JEQ  colonspaceskip
	CMPB AL, $0x0a
	JEQ  colonspaceskip
	CMPB AL, $0x0d
	JNE  colonspacedone
colonspaceskip:
	INCQ R12
	JMP  colonspace
colonspacedone:
	CMPB AL, $0x3a
	JNE  atvalue
	INCQ R12
valuespace: // white space skipped, AL the byte after it
	CMPQ R12, DX
	JGE  atvalue
	MOVBLZX (SI)(R12*1), AX
	CMPB AL, $0x20
	JHI  valuespacedone
	CMPB AL, $0x20
	JEQ  valuespaceskip
	CMPB AL, $0x09
	JEQ  valuespaceskip
	CMPB AL, $0x0a
	JEQ  valuespaceskip
	CMPB AL, $0x0d
	JNE  valuespacedone
valuespaceskip:
	INCQ R12
	JMP  valuespace
valuespacedone:
element: // s[R12] is AL and starts a value
	CMPB AL, $0x22
	JEQ  elementstr
	CMPB AL, $0x7b
	JEQ  open
	CMPB AL, $0x5b
	JEQ  open
	MOVL AX, R11
	SUBL $0x30, R11
	CMPL R11, $9
	JLS  elementinteger
	CMPB AL, $0x74
	JEQ  elementtrue
	CMPB AL, $0x6e
	JEQ  elementnull
	CMPB AL, $0x66
	JEQ  elementfalse
	JMP  atvalue // a minus, or no value
elementstr:
	INCQ R12
	MOVL $2, AX
	JMP  str
elementinteger: // AL a digit: the digits of an integer; what follows them
	// (a fraction, an exponent, a digit after a leading 0) is no comma or
	// close, so after leaves it to the scan
	INCQ R12
	CMPB AL, $0x30
	JEQ  after
elementdigits:
	CMPQ R12, DX
	JGE  atvalue
	MOVBLZX (SI)(R12*1), R11
	SUBL $0x30, R11
	CMPL R11, $9
	JHI  after
	INCQ R12
	JMP  elementdigits
elementtrue:
	LEAQ 4(R12), R11
	CMPQ R11, DX
	JGT  atvalue
	CMPL (SI)(R12*1), $0x65757274
	JNE  atvalue
	MOVQ R11, R12
	JMP  after
elementnull:
	LEAQ 4(R12), R11
	CMPQ R11, DX
	JGT  atvalue
	CMPL (SI)(R12*1), $0x6c6c756e
	JNE  atvalue
	MOVQ R11, R12
	JMP  after
elementfalse:
	LEAQ 5(R12), R11
	CMPQ R11, DX
	JGT  atvalue
	CMPL (SI)(R12*1), $0x736c6166
	JNE  atvalue
	CMPB 4(SI)(R12*1), $0x65
	JNE  atvalue
	MOVQ R11, R12
after: // past a value: a comma and the next item, or the close
afterspace: // white space skipped, AL the byte after it
	CMPQ R12, DX
	JGE  atvalue
	MOVBLZX (SI)(R12*1), AX
	CMPB AL, $0x20
	JHI  afterspacedone
	CMPB AL, $0x20
	JEQ  afterspaceskip
	CMPB AL, $0x09
	JEQ  afterspaceskip
	CMPB AL, $0x0a
	JEQ  afterspaceskip
	CMPB AL, $0x0d
	JNE  afterspacedone
afterspaceskip:
	INCQ R12
	JMP  afterspace
afterspacedone:
	CMPB AL, $0x2c
	JNE  afterclose
	INCQ R12
commaspace: // white space skipped, AL the byte after it
	CMPQ R12, DX
	JGE  atvalue
	MOVBLZX (SI)(R12*1), AX
	CMPB AL, $0x20
	JHI  commaspacedone
	CMPB AL, $0x20
	JEQ  commaspaceskip
	CMPB AL, $0x09
	JEQ  commaspaceskip
	CMPB AL, $0x0a
	JEQ  commaspaceskip
	CMPB AL, $0x0d
	JNE  commaspacedone
commaspaceskip:
	INCQ R12
	JMP  commaspace
commaspacedone:
	JMP  item
afterclose:
	CMPB AL, $0x7d
	JEQ  close
	CMPB AL, $0x5d
	JNE  atvalue
close: // s[R12] is AL, a bracket: it closes the innermost container
	TESTQ $1, R15
	JEQ  closearray
	CMPB AL, $0x7d
	JNE  atvalue
	JMP  closed
closearray:
	CMPB AL, $0x5d
	JNE  atvalue
closed:
	INCQ R12
	SHRQ $1, R15
	CMPQ R15, $1
	JNE  after

read: // the member is read: met gets it when kept
	CMPB keyGuess_kept(DI), $0
	JEQ  next
	MOVQ R10, R11
	IMULQ $memberAt__size, R11
	ADDQ R9, R11
	MOVQ BX, memberAt_guess(R11)
	MOVQ keyGuess_nameAt(DI), AX
	ADDQ CX, AX
	MOVQ AX, memberAt_name(R11)
	MOVQ R13, memberAt_value(R11)
	MOVQ R12, memberAt_end(R11)
	INCQ R10
next:
	MOVQ R12, CX
	INCQ BX
	ADDQ $keyGuess__size, DI
	JMP  guess

into: // a value the scan goes into: at it, unless more white space comes first
	CMPB AL, $0x20
	JLS  atname
atvalue:
	MOVQ CX, ni+64(FP)
	MOVQ BX, nj+72(FP)
	MOVQ R13, v+80(FP)
	MOVQ R10, n+88(FP)
	RET
atname:
	MOVQ CX, ni+64(FP)
	MOVQ BX, nj+72(FP)
	MOVQ $-1, v+80(FP)
	MOVQ R10, n+88(FP)
	RET
malformed:
	MOVQ $-1, ni+64(FP)
	MOVQ BX, nj+72(FP)
	MOVQ $-1, v+80(FP)
	MOVQ R10, n+88(FP)
	RET
