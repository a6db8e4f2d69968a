-- 0016_crypto_suite: the crypto suite ("es256" or "sm", package suite) the
-- platform's data was created under, recorded once at its first start; a
-- platform started with the other suite on the same data refuses to start.
-- Databases created before hold no row until their next start records the
-- suite it runs (their signing keys already tell which it is).
CREATE TABLE crypto_suite (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL
);
