// Package recourse is the holders' recourse (申诉与投诉): a holder opens a
// case disputing a record in their history ("I did not do this check"),
// disputing an operator's suspension of their credential, or complaining
// about a relying party's conduct (for example asking for plaintext
// identity data again after a 网号 check, which the rules forbid). A case
// gets a number people can read and quote (SS-2026-000123: the year in
// Beijing time and a sequence drawn from a storage counter inside the
// transaction that creates the case, so racing cases never share one) and
// a deadline for the operator's answer. Operators answer and close cases
// from a queue, and may attach an outcome to a closed case (disabling the
// relying party complained about, through relyingparty.Registry; lifting
// the disputed suspension, through lifecycle's operator resume).
//
// A case moves open → answered → closed (or open → closed with the
// answer given on closing); each step is checked inside the transaction
// that makes it, so of two operators answering or closing the same case at
// once one succeeds and the other gets ErrState. Every step commits with
// its record in the holder's history (channel "case", the case's number as
// the record's ID), and the record a case disputes is shown as disputed
// there.
//
// What the holder and the operator write may hold personal data: it is
// sealed at rest, bound to the case and the field, and never logged.
// Errors carry no personal data.
package recourse
