//! The tree the reader builds: strings borrow from the file unless an
//! escape or a block scalar made them new.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Scalar(Scalar<'a>),
    Seq(Vec<Node<'a>>),
    /// Entries in file order; keys are strings (the reader declines others).
    Map(Vec<(Cow<'a, str>, Node<'a>)>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar<'a> {
    pub text: Cow<'a, str>,
    /// Plain scalars are resolved (null, booleans, numbers); quoted and
    /// block scalars are always strings.
    pub plain: bool,
}

impl<'a> Node<'a> {
    pub fn plain(text: &'a str) -> Self {
        Node::Scalar(Scalar {
            text: Cow::Borrowed(text),
            plain: true,
        })
    }
    pub fn string(text: Cow<'a, str>) -> Self {
        Node::Scalar(Scalar { text, plain: false })
    }
}
