"""Landing file formats: readers, and checks on the raw bytes that share no code with them."""
