//! What the command line shares between its commands: text made safe for a terminal.

pub mod text;
