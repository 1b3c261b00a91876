//! One module per subcommand.

pub mod migrate;
pub mod showmigrations;
pub mod sqlmigrate;
