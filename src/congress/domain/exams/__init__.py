"""The EDiMSK diploma: sittings, applications, examiners, oral-exam slots and results."""
