// Package eidverify is the platform's side of the electronic ID card
// (电子身份证) shown in person: a hotel, station, government counter or
// age-restricted shop scans the QR code the holder's wallet shows and
// submits the payload (package eid defines its format); the platform
// checks it and answers exactly the fields the relying party's kind of
// in-person check may see.
//
// It owns:
//
//   - the category policy ([Kind], [Field], [Policy]): which fields each
//     kind of in-person relying party sees, intersected with the claims the
//     relying party is registered for, and how fields are masked (a masked
//     name, a partial document number, the face photo for comparison, sex,
//     an adult/minor marker, the document's validity);
//   - online verification ([Service.Verify]): the payload's signature by the
//     网证's device key, its 60-second window, single use, the credential's
//     and the person's state, and a verification record in the holder's
//     history for every check once the holder is identified;
//   - offline verification ([VerifyOffline]): an SD-JWT presentation in the
//     QR code, checked with the relying-party SDK (issuer keys and status
//     list only, no call to the platform per check);
//   - reading a QR code from an image ([DecodeQR]), for tools given a photo
//     of the code (the verifier terminal's page decodes in the browser);
//   - [FullDataAllowed]: which in-person relying parties may ask for a
//     full-data check.
//
// # How the kind of an in-person relying party is stored
//
// The register has one category for all in-person relying parties
// (storage.CategoryInPerson) and no column for the kind of check. The kind
// is named at the start of the relying party's legal basis, which is the
// law that entitles it to see identity data in the first place:
//
//	hotel: 《旅馆业治安管理办法》第六条
//	transport: 铁路旅客实名制购票规定
//	counter: 政务服务实名核验
//	age_check: 《未成年人保护法》第五十九条
//
// (an ASCII or a full-width colon). A relying party without a legal basis
// is registered for result-only data (no plaintext) and counts as
// [relyingparty.KindAgeCheck]. A legal basis that names no known kind is refused
// ([relyingparty.ErrNotInPerson]): the operator must say what the relying party is.
//
// Whatever the kind allows, a field is given only if the relying party is
// registered for the claim behind it ([Field.Claim]): an operator can
// always narrow a relying party below its kind, never widen it.
//
// # Why the QR image decoding is here
//
// A tool may be given a photo or screenshot of the QR code. Decoding uses
// gozxing; this package bounds the upload
// and the image size before decoding, so an image bomb cannot exhaust the
// server's memory.
package eidverify
