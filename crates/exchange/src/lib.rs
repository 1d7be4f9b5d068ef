//! Roster workbooks in and out: the national-export layout of LAYOUT.md (xlsx, xls, csv in UTF-8/GBK),
//! findings with row and column in Chinese, error workbooks, and list exports.
