//! Integration tests of the roster exchange: fixtures are built in code (rust_xlsxwriter, csv), with
//! synthetic people whose ID numbers carry a correct check character.

mod feeds;
mod findings;
mod fixtures;
mod formats;
mod workbooks;
