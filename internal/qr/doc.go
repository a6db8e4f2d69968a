// Package qr renders short strings (session codes, netid:// links, eID
// payloads) as QR codes: a PNG for files and HTML pages ([PNG], [DataURI])
// and text for terminals ([Terminal], [TerminalASCII]).
//
// # What it owns
//
// The QR symbol itself (Reed–Solomon coding, masking, version choice) comes
// from github.com/yeqown/go-qrcode/v2; this package owns everything around
// it: the fixed choices (error correction level M, a four-module quiet
// zone, black on white), the input limit [MaxData], and the renderers.
//
// The package-level functions render at level M up to [MaxData] bytes. The
// [Dense] renderer has the same methods at level L up to [MaxDenseData]
// bytes (a version 40 symbol), for data that cannot be split or shortened,
// such as an offline eID payload; [Standard] is the package-level
// functions' renderer.
//
// The renderers are written here rather than taken from the library's
// writer modules (separate modules, with image-drawing dependencies of
// their own, for features netid does not use such as logos and rounded
// modules) because the job is small: a bitmap of at most 129×129 modules
// (185×185 for [Dense]; quiet zone included), each module a scale×scale square of a two-colour
// paletted image, which image/png stores at one bit per pixel.
//
// # Encoding mode
//
// The library's automatic mode detection may choose Kanji mode (Shift JIS)
// for strings of CJK ideographs, which some phone scanners decode badly.
// This package picks the mode itself: numeric for digits only,
// alphanumeric for the QR alphanumeric set (upper-case letters, digits and
// " $%*+-./:"), and byte mode (the UTF-8 bytes) for everything else.
//
// # Terminals
//
// [Terminal] packs two module rows into one character row with the Unicode
// half blocks ▀ ▄ █ and sets the colours explicitly (ANSI SGR black on
// white, reset at the end of every line), so the code is dark-on-light
// whatever the terminal's theme: scanners expect dark modules on a light
// background, and a plain-text rendering would come out inverted on a dark
// terminal. [TerminalASCII] is for terminals without Unicode or colour
// support: one line per module row, "##" for a dark module and two spaces
// for a light one, with no escape sequences; it is dark-on-light only on a
// light-background terminal (most, not all, scanners also read the
// inverted code a dark terminal shows).
package qr
