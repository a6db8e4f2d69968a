// Package sms owns phone binding by SMS one-time codes (绑定手机号): phone
// number normalisation and masking, the senders that deliver messages (an
// in-memory Outbox for development, a signed webhook to a real SMS gateway)
// and the one-time-code service, Codes, on top of the storage layer.
//
// Codes are six random digits drawn with rejection sampling from a
// cryptographic source. Only a keyed MAC of each code, bound to the code's
// record, subject and phone index, is stored, so a database dump cannot be
// brute-forced over the million possible codes without the platform's key.
// Each code has a lifetime, a budget of wrong attempts counted inside the
// storage transaction, a resend interval per subject and a daily cap per
// phone number.
//
// Phone numbers are handled by hand rather than with a numbering-plan
// library (such as a port of libphonenumber): the platform only needs to
// recognise mainland mobile numbers in their everyday written forms and
// accept other numbers already in E.164 form, and a full numbering-plan
// database would be a large dependency for that.
package sms
