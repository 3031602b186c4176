//! peel-fs
