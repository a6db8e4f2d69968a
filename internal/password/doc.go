// Package password owns the credential password (网证口令): the 8-digit
// secret a person sets when applying for a 网证 and enters to approve its
// use.
//
// It provides three independent pieces:
//
//   - Check, the strength rules a new password must pass;
//   - Hash and Verify, storage of the password as an Argon2id hash in the
//     PHC string format (x/crypto/argon2 computes the hash; the PHC string
//     is encoded and parsed here because x/crypto does not provide it);
//   - Policy, the lockout after repeated wrong passwords, as pure logic
//     over an Attempts value that the caller stores atomically with the
//     outcome of each attempt.
//
// An 8-digit password has only 10^8 possible values, so an offline attacker
// holding a hash can try them all however slow the hash is; the hash only
// raises the cost. The real protection is online: the lockout, and keeping
// hashes away from attackers.
package password
