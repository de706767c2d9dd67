//! Rounds (申报批次) and their stages: the admins' round pages
//! ([`admin`]), the city's pre-review ([`city`]), the provincial formal
//! review ([`formal`]) and every role's to-do list ([`todo`]).

pub mod admin;
pub mod city;
pub mod formal;
pub mod todo;
