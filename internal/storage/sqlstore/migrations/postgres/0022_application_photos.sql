-- 0022_application_photos: an application's face image, from the chip,
-- in a table of its own.
--
-- The image rode in the application's sealed identity, which every step
-- of the flow reads, opens and writes back, though only issuance moves the
-- image to the person. A passport's image is 15–20 KB: each step copied,
-- decrypted, decoded and rewrote it. Applications in progress when this
-- runs keep theirs in the identity, and issuance still finds it there.
CREATE TABLE application_photos (
	application_id text  NOT NULL PRIMARY KEY,
	photo          bytea NOT NULL
);
