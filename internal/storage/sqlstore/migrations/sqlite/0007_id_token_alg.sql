-- 0005_id_token_alg: the algorithm each relying party's OpenID Connect ID
-- tokens are signed with (its id_token_signed_response_alg). Relying
-- parties registered before keep ES256, the algorithm they were given.
ALTER TABLE relying_parties ADD COLUMN id_token_alg TEXT NOT NULL DEFAULT 'ES256';
