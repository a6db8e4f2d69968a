// Package devauthority is the development document authority: a CSCA and a
// document signer (DS), kept as PEM files in a directory, that mint chip data
// (package chip) for test identities, so every flow of netid runs end to end on
// one machine without a real document. It is used only by `netid serve --dev`
// (which trusts its CA) and `netid dev document` (which mints documents); a
// production trust list never contains its CA.
//
// It also draws synthetic face portraits ([FaceImage]) so test documents have
// a plausible DG2 without real photographs.
package devauthority
