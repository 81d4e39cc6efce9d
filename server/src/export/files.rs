//! The export's files: a directory claimed for one practice, each
//! patient's files made whole beside their place and renamed into it, and
//! the bulk files written the same way. Only the operator may read any of
//! it (0700 directories, 0600 files).

use anyhow::{Context, bail};
use std::{
    collections::BTreeMap,
    fs::{self, DirBuilder, File, OpenOptions},
    io::{BufWriter, Write},
    os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt},
    path::{Path, PathBuf},
};
use uuid::Uuid;

/// The file that says which practice a directory holds.
const CLAIM: &str = "cairn-export";

/// Makes `out` this practice's export directory: a new or empty one, or
/// one claimed for the same practice before (a run to resume). Anything
/// else is refused, so an export never mixes practices nor scatters into
/// a directory that holds other files.
pub fn claim(out: &Path, organization_id: Uuid) -> anyhow::Result<()> {
    let claim = out.join(CLAIM);
    match fs::read_to_string(&claim) {
        Ok(claimed) if claimed.trim() == organization_id.to_string() => return Ok(()),
        Ok(_) => bail!(
            "{} holds another practice's export: choose another directory",
            out.display()
        ),
        Err(_) => {}
    }
    private_dir(out).with_context(|| format!("creating {}", out.display()))?;
    // An empty directory made before may let others in: not any more.
    fs::set_permissions(out, fs::Permissions::from_mode(0o700))?;
    if fs::read_dir(out)?.next().is_some() {
        bail!(
            "{} is not empty and no export was started in it: choose a new or empty directory",
            out.display()
        );
    }
    write_whole(out, CLAIM, organization_id.to_string().as_bytes())
}

fn patient_dir(out: &Path, id: Uuid) -> PathBuf {
    out.join("patients").join(id.to_string())
}

/// Whether patient `id`'s files were written whole by a run.
pub fn written(out: &Path, id: Uuid) -> bool {
    patient_dir(out, id).is_dir()
}

/// Writes patient `id`'s `files` (name, content): all into a directory
/// of their own beside the patient's place, on disk, then renamed into
/// it, so the place holds all of them or does not exist.
pub fn write_patient(out: &Path, id: Uuid, files: &[(&str, &[u8])]) -> anyhow::Result<()> {
    let parent = out.join("patients");
    private_dir(&parent)?;
    let partial = parent.join(format!(".{id}.partial"));
    if partial.exists() {
        // Left by a run that stopped while writing it.
        fs::remove_dir_all(&partial)?;
    }
    private_dir(&partial)?;
    for (name, content) in files {
        let mut file = private_file(&partial.join(name))?;
        file.write_all(content)?;
        file.sync_all()?;
    }
    fs::rename(&partial, patient_dir(out, id))?;
    File::open(&parent)?.sync_all()?;
    Ok(())
}

/// The file `name` of patient `id`'s.
pub fn read_patient(out: &Path, id: Uuid, name: &str) -> anyhow::Result<Vec<u8>> {
    let path = patient_dir(out, id).join(name);
    fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// Writes `dir/name` whole: beside it first, then renamed over it.
pub fn write_whole(dir: &Path, name: &str, content: &[u8]) -> anyhow::Result<()> {
    let partial = dir.join(format!(".{name}.partial"));
    let mut file = private_file(&partial)?;
    file.write_all(content)?;
    file.sync_all()?;
    fs::rename(&partial, dir.join(name))?;
    Ok(())
}

/// Lines by kind, each kind to `dir/<kind>.ndjson`: written beside the
/// files and renamed over them when [`Lines::finish`]ed.
pub struct Lines {
    dir: PathBuf,
    open: BTreeMap<String, (BufWriter<File>, usize)>,
}

impl Lines {
    pub fn new(dir: PathBuf) -> anyhow::Result<Self> {
        private_dir(&dir)?;
        Ok(Self {
            dir,
            open: BTreeMap::new(),
        })
    }

    pub fn push(&mut self, kind: &str, line: &str) -> anyhow::Result<()> {
        if !self.open.contains_key(kind) {
            // Kinds are FHIR's resource types (letters only), from
            // Cairn's own bundles; refused otherwise, as a name of a file.
            if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphabetic()) {
                bail!("not a resource type: {kind:?}");
            }
            let file = private_file(&self.dir.join(format!(".{kind}.ndjson.partial")))?;
            self.open.insert(kind.to_owned(), (BufWriter::new(file), 0));
        }
        if let Some((file, count)) = self.open.get_mut(kind) {
            file.write_all(line.as_bytes())?;
            file.write_all(b"\n")?;
            *count += 1;
        }
        Ok(())
    }

    /// Puts every file in place; answers how many lines each holds.
    pub fn finish(self) -> anyhow::Result<BTreeMap<String, usize>> {
        let mut counts = BTreeMap::new();
        for (kind, (file, count)) in self.open {
            file.into_inner()?.sync_all()?;
            fs::rename(
                self.dir.join(format!(".{kind}.ndjson.partial")),
                self.dir.join(format!("{kind}.ndjson")),
            )?;
            counts.insert(kind, count);
        }
        Ok(counts)
    }
}

fn private_dir(path: &Path) -> std::io::Result<()> {
    DirBuilder::new().recursive(true).mode(0o700).create(path)
}

fn private_file(path: &Path) -> std::io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}
