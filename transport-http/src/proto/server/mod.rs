//! The server half of the Hrana core (in progress).
