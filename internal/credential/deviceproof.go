package credential

// DeviceProofType is the JWS typ of the proof of possession of the device
// key that issuance asks for before binding a 网证 to that key (cnf.jwk):
// ES256, the public key in the jwk header, claims aud (the issuer), nonce
// (the application's device nonce) and iat, as in OpenID4VCI. The wallet
// makes it; the platform's proofing checks it.
const DeviceProofType = "openid4vci-proof+jwt"
