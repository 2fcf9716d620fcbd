"""Deterministic demo congresses as native bundles.

``build_bundle("essr")`` gives an ESSR-style annual meeting (Lugano, three days,
about 60 programme items, 80 faculty and 600 registrations); ``build_bundle("ecr")``
gives a European Congress of Radiology sized for benchmarks (Vienna, five days,
about 500 items, 1,500 faculty and 25,000 registrations).

Only ``random.Random(seed)`` is used, so the same arguments always give the
same bundle, byte for byte. Session titles taken from the seed documents (the
ECR radiographers' programme page and the ESSR EDiMSK page) are constants here:
the generator reads no files.

Command line::

    python -m examples.demo --scale essr --seed 2026 --out essr-2026.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

import msgspec

from congress.domain.bundle.schemas import (
    Bundle,
    BundleApplication,
    BundleAvailability,
    BundleConflict,
    BundleDiploma,
    BundleExaminer,
    BundleFaculty,
    BundleItem,
    BundlePerson,
    BundleRegistration,
)
from congress.domain.congresses.schemas import BreakWindow, CmeSettings, CongressCreate, RoomCreate
from congress.domain.exams.schemas import Document, Documents, Meeting, Window
from congress.domain.people.schemas import MembershipCreate
from congress.domain.programme.schemas import DayWindow
from congress.enums import (
    AvailabilityKind,
    DocumentStatus,
    Equipment,
    FacultyRole,
    ItemKind,
    MembershipType,
    RegistrationCategory,
    RegistrationStatus,
    Society,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

Scale = Literal["essr", "ecr"]

# --------------------------------------------------------------------------
# Titles from the seed documents
# --------------------------------------------------------------------------

# "Coffee and Talk (open forum)" on the ECR programme page.
SEED_COFFEE_AND_TALK = (
    "Quality and safety in paediatric imaging",
    "Clinical audit and the European-Basic Safety Standards (EU-BSS): where are we now?",
    "Dose management (DM): requirements, promises and reality",
    "Statistics resources for radiology research",
    "How to organise research in radiology",
    "How to get my manuscript accepted: tips and tricks from the editors",
    "How to get my manuscript accepted: getting help from reporting guidelines",
    "Innovative tools to improve the communication between radiologists and patients",
    "How to advance the academic ladder",
    "Guidance for IT in radiology: how radiologist can benefit from DIAM (Digital Imaging Adoption Model)",
)

# "E³ - Advanced Courses" (two courses, three sessions each).
SEED_ADVANCED_COURSES = (
    ("Hot Topics in Emergency Radiology", "Dual energy and subtraction CT in emergency radiology"),
    (
        "Hot Topics in Emergency Radiology",
        "The role of radiology in the management of mass casualty incidents",
    ),
    ("Hot Topics in Emergency Radiology", "Occlusive vascular diseases: no time to lose!"),
    (
        "Interactive Teaching Sessions for Young (and not so Young) Radiologists",
        "Gastrointestinal radiology",
    ),
    (
        "Interactive Teaching Sessions for Young (and not so Young) Radiologists",
        "Paediatric radiology for the general radiologist",
    ),
    (
        "Interactive Teaching Sessions for Young (and not so Young) Radiologists",
        "Errare humanum est",
    ),
)

# "E³ - ECR Master Class".
SEED_MASTER_CLASSES = (
    "Whole-body MRI (and PET/MR)",
    "Update of diffusion-weighted MRI",
    "State-of-the-art imaging of postoperative joints",
    "Whole-body MRI in children",
    "Cone-beam, 4D and more: new diagnostic tools for vascular diseases",
)

# "E³ - Rising Stars Programme: Basic Sessions".
SEED_RISING_STARS = (
    "Radiologic anatomy: abdomen",
    "Hybrid imaging",
    "Radiologic anatomy: chest",
    "Musculoskeletal: essentials of trauma imaging",
    "Abdominal viscera: abdominal emergencies",
)
RISING_STARS_SERIES = "Rising Stars Programme: Basic Sessions"

# "EFOMP Workshop: CT protocol management and optimisation".
SEED_EFOMP_SERIES = "EFOMP Workshop: CT protocol management and optimisation"
SEED_EFOMP_PARTS = (
    "CT protocol management and optimisation: management (part A)",
    "CT protocol management and optimisation: optimisation (part B)",
)

# "ESHI(MT) Session" and "EuroSafe Imaging Session".
SEED_ESHIMT = (
    "The importance of identifying technical errors in hybrid imaging: pitfalls and artefacts in PET/CT and PET/MRI"
)
SEED_EUROSAFE = (
    "Paediatric CT doses and risks (MEDIRAD)",
    "Technology developments which impact dose delivery",
    "Artificial intelligence for dose optimisation",
    "Cumulative dose: too often and too much",
    "Why do we need to know radiation doses in imaging procedures?",
    "European study on clinical diagnostic reference levels (DRLs) (EUCLID) project: final results",
)

SEED_PROS_AND_CONS = "Breast cancer: to screen or not to screen?"

# "Refresher Course", each with the ECR topic it belongs to.
SEED_REFRESHER_COURSES = (
    ("cardiac", "New techniques in cardiac CT: game changers or money makers?"),
    ("emergency", "Imaging of 'foreign bodies'"),
    ("msk", "Imaging of forgotten small joints"),
    ("vascular", "No time to lose: aortic disease, revisited"),
    ("abdominal", "Imaging in abdominal emergencies: an (evidence-based) update"),
    (
        "emergency",
        "Blunt polytrauma: CT protocols, CT interpretation and interventional radiology options",
    ),
    ("oncologic", "Tumour response assessment in abdominal imaging"),
    ("chest", "Back to basics: how to interpret a chest radiograph?"),
    ("physics", "Contrast media: acute kidney injury and acute adverse reactions"),
    ("paediatric", "Imaging of frequent queries in children: an evidence-based approach"),
    (
        "oncologic",
        "Functional and molecular imaging techniques in oncology: how to use them in routine practice",
    ),
    ("paediatric", "Fluoroscopy: a mainstay state-of-the-art in paediatric radiology"),
    (
        "informatics",
        "Effect of the EU General Data Protection Regulations (GDPR): "
        "moving patients data across hospitals, regions, countries",
    ),
    ("paediatric", "Intensive care paediatric radiology: the very sick neonate"),
    (
        "radiographers",
        "Blue skies and current trends in digital radiography (DR), computed tomography (CT) "
        "and interventional radiology (IR)",
    ),
    ("emergency", "Imaging in pregnancy"),
    ("msk", "MR imaging of the knee"),
    ("paediatric", "Optimising the management of children with cancer: how to improve?"),
    ("physics", "Demystifying MRI: things you always wanted to know"),
    ("radiographers", "Everything you need to know about 3D post-processing"),
    ("physics", "Current and future trends in personalised clinical dosimetry"),
    ("hybrid", "Advancing clinical hybrid imaging"),
    ("emergency", "Why do I miss fractures in emergency?"),
    ("msk", "The old spine: challenges of imaging and treatment"),
)

# "Transatlantic Course of ESR and RSNA ...": three parts, in order.
SEED_TRANSATLANTIC_SERIES = (
    "Transatlantic Course of ESR and RSNA: Stroke Imaging and Endovascular Treatment: Now and the Future"
)
SEED_TRANSATLANTIC_PARTS = (
    "Current status of stroke work up and treatment",
    "Endovascular treatment",
    "The future strategy for stroke thrombectomy",
)

# "Hands-on Workshop: Ultrasound": each listed twice on the page, so two runs each.
SEED_US_WORKSHOPS = (
    ("Hands-on Workshop: Vascular Ultrasound", ("ultrasound", "vascular")),
    ("Hands-on Workshop: Musculoskeletal Ultrasound", ("ultrasound", "msk")),
    ("Hands-on Workshop: Advanced applications of Ultrasound", ("ultrasound",)),
    ("Hands-on Workshop: Interventional Ultrasound", ("ultrasound", "interventional")),
    ("Hands-on Workshop: Abdominal Ultrasound", ("ultrasound", "abdominal")),
)
SEED_US_QUIZ = "Ultrasound Quiz"

US_LAB_NOTE = (
    "Eight ultrasound systems (BK Medical), one live-model bay per station and anatomy models; a tutor per station."
)
WORKSHOP_DESCRIPTION = (
    "Hands-on scanning at eight stations with live models, three trainees per station. "
    "Sign-up required; a waiting list opens when the workshop is full."
)

# --------------------------------------------------------------------------
# ESSR annual meeting programme (MSK-flavoured)
# --------------------------------------------------------------------------

ESSR_REFRESHER_COURSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("MR imaging of the knee", ("knee", "MR")),
    ("Imaging of forgotten small joints", ("hand and wrist", "foot and ankle")),
    ("The old spine: challenges of imaging and treatment", ("spine",)),
    ("Why do I miss fractures in emergency?", ("trauma", "radiography")),
    ("Imaging of 'foreign bodies'", ("soft tissue", "ultrasound")),
    ("Demystifying MRI: things you always wanted to know", ("MR", "physics")),
    ("Imaging of frequent queries in children: an evidence-based approach", ("paediatric MSK",)),
    ("Everything you need to know about 3D post-processing", ("CT",)),
    ("Shoulder instability: what the surgeon wants to know", ("shoulder", "MR")),
    ("Rotator cuff and beyond: ultrasound of the shoulder", ("shoulder", "ultrasound")),
    ("Sports injuries of the hip and groin", ("sports", "hip")),
    ("Muscle injuries in elite athletes: grading and return to play", ("sports", "muscle", "MR")),
    ("Bone tumours: a systematic approach to the solitary lesion", ("tumours", "bone")),
    ("Soft-tissue tumours and tumour-like conditions", ("tumours", "soft tissue")),
    ("Inflammatory arthropathies: from radiographs to whole-body MRI", ("arthritis", "MR")),
    ("Dual-energy CT in musculoskeletal imaging: gout and beyond", ("CT", "arthritis")),
    ("The postoperative knee: menisci, ligaments and cartilage repair", ("knee", "postoperative")),
    ("Metabolic bone disease and osteoporosis: imaging and densitometry", ("bone", "metabolic")),
)

ESSR_SCIENTIFIC_SESSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Knee and sports", ("knee", "sports")),
    ("Shoulder and elbow", ("shoulder", "elbow")),
    ("Spine", ("spine",)),
    ("Bone and soft-tissue tumours", ("tumours",)),
    ("Paediatric MSK", ("paediatric MSK",)),
    ("Arthritis and metabolic disease", ("arthritis", "metabolic")),
    ("Artificial intelligence in MSK imaging", ("AI",)),
    ("Interventional MSK", ("interventional", "ultrasound")),
)

ESSR_MASTER_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("State-of-the-art imaging of postoperative joints", ("postoperative", "MR")),
    ("Whole-body MRI (and PET/MR)", ("MR", "tumours")),
    ("Whole-body MRI in children", ("paediatric MSK", "MR")),
)

ESSR_ADVANCED_COURSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Interactive teaching session: Errare humanum est", ("trauma", "radiography")),
    ("Hot topics in emergency radiology: dual energy and subtraction CT", ("CT", "trauma")),
)

ESSR_RISING_STARS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Musculoskeletal: essentials of trauma imaging", ("trauma",)),
    ("Radiologic anatomy: shoulder and elbow", ("shoulder", "elbow")),
    ("Radiologic anatomy: hip and knee", ("hip", "knee")),
    ("Radiologic anatomy: wrist, hand, ankle and foot", ("hand and wrist", "foot and ankle")),
    ("Bone tumours: the first look", ("tumours",)),
)

ESSR_DIPLOMA_PREP: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("EDiMSK Prep Session: trauma and overuse injuries", ("trauma", "sports", "EDiMSK")),
    ("EDiMSK Prep Session: bone and soft-tissue tumours", ("tumours", "EDiMSK")),
    ("EDiMSK Prep Session: arthropathies and metabolic disease", ("arthritis", "EDiMSK")),
)

ESSR_COFFEE_AND_TALK = (
    "Statistics resources for radiology research",
    "How to organise research in radiology",
    "How to get my manuscript accepted: tips and tricks from the editors",
    "How to advance the academic ladder",
)

ESSR_PROS_AND_CONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Ultrasound-guided injections: in the radiology department or in the clinic?",
        ("interventional", "ultrasound"),
    ),
    ("MRI for every acute knee injury?", ("knee", "MR")),
)

ESSR_TRANSATLANTIC_SERIES = "Transatlantic Course of ESSR and SSR: Imaging of the Athlete"
ESSR_TRANSATLANTIC_PARTS = (
    "Current status of sports injury imaging",
    "Ultrasound-guided treatment of tendinopathy",
    "The future of imaging for return to play",
)

ESSR_SOCIETY_SESSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ESSR Sports Subcommittee Session: imaging at a global sports event", ("sports",)),
    ("ESHI(MT) Session: " + SEED_ESHIMT, ("hybrid imaging",)),
    (
        "EuroSafe Imaging Session: Technology developments which impact dose delivery",
        ("CT", "dose"),
    ),
)

# --------------------------------------------------------------------------
# ECR topics: (number used in codes, key, label, subjects)
# --------------------------------------------------------------------------


def _split(text: str, sep: str = ", ") -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(sep))


@dataclass(frozen=True)
class _Topic:
    number: int
    key: str
    label: str
    subjects: tuple[str, ...]


def _topic(number: int, key: str, label: str, subjects: str) -> _Topic:
    return _Topic(number, key, label, _split(subjects, "; "))


ECR_TOPICS = (
    _topic(
        1,
        "msk",
        "Musculoskeletal",
        "Shoulder instability; Sports injuries of the hip and groin; Bone tumours; "
        "Soft-tissue masses; Inflammatory arthropathies; Spinal degenerative disease; "
        "Postoperative joints; Musculoskeletal ultrasound",
    ),
    _topic(
        2,
        "neuro",
        "Neuro",
        "Stroke imaging; Brain tumours; Demyelinating disease; Epilepsy imaging; "
        "Dementia and neurodegeneration; Spinal cord disease; Neurovascular malformations",
    ),
    _topic(
        3,
        "head-neck",
        "Head and neck",
        "Head and neck cancer staging; Temporal bone imaging; Salivary gland disease; "
        "Thyroid and parathyroid imaging; Orbital imaging; Sinonasal disease",
    ),
    _topic(
        4,
        "chest",
        "Chest",
        "Interstitial lung disease; Lung cancer screening; Pulmonary nodules; "
        "Pulmonary embolism; Chest infections; Mediastinal masses; Occupational lung disease",
    ),
    _topic(
        5,
        "cardiac",
        "Cardiac",
        "Cardiac MRI in cardiomyopathies; Coronary CT angiography; Valvular heart disease; "
        "Congenital heart disease in adults; Cardiac tumours and masses; Myocarditis",
    ),
    _topic(
        6,
        "abdominal",
        "Abdominal",
        "Liver lesion characterisation; Pancreatic cancer; Bowel imaging; Biliary disease; "
        "Acute abdomen; Perianal fistula MRI",
    ),
    _topic(
        7,
        "genitourinary",
        "Genitourinary",
        "Prostate MRI; Renal masses; Adrenal imaging; Gynaecological malignancies; Bladder cancer; Scrotal ultrasound",
    ),
    _topic(
        8,
        "breast",
        "Breast",
        "Breast MRI; Digital breast tomosynthesis; Contrast-enhanced mammography; "
        "Breast cancer screening; Breast interventions; Axillary staging",
    ),
    _topic(
        9,
        "paediatric",
        "Paediatric",
        "Paediatric abdominal emergencies; Child abuse imaging; Neonatal chest imaging; "
        "Paediatric oncology; Paediatric musculoskeletal imaging; Fetal MRI",
    ),
    _topic(
        10,
        "interventional",
        "Interventional",
        "Liver-directed therapies; Peripheral arterial disease; Venous interventions; "
        "Embolisation in trauma; Tumour ablation; Image-guided biopsy",
    ),
    _topic(
        11,
        "oncologic",
        "Oncologic",
        "Whole-body MRI in oncology; PET/CT in lymphoma; Imaging of metastatic disease; "
        "Immunotherapy-related adverse events; Radiomics in oncology; Cancer staging",
    ),
    _topic(
        12,
        "emergency",
        "Emergency",
        "Polytrauma CT; Non-traumatic neurological emergencies; Acute aortic syndromes; "
        "Mass casualty incidents; Emergency musculoskeletal imaging; Acute chest pain",
    ),
    _topic(
        13,
        "physics",
        "Physics and safety",
        "Radiation dose optimisation; MRI safety; Photon-counting CT; "
        "Image quality assessment; Contrast media safety; Diagnostic reference levels",
    ),
    _topic(
        14,
        "informatics",
        "Imaging informatics and AI",
        "Artificial intelligence in clinical practice; Structured reporting; "
        "Large language models in radiology; Validation of AI tools; Enterprise imaging; "
        "Cybersecurity in radiology",
    ),
    _topic(
        15,
        "radiographers",
        "Radiographers",
        "Radiographer-led reporting; Patient positioning in digital radiography; "
        "CT protocol optimisation; MR sequence optimisation; Patient-centred care; "
        "Education of radiographers",
    ),
    _topic(
        16,
        "hybrid",
        "Hybrid imaging",
        "PET/MRI in practice; Theranostics; SPECT/CT; Amyloid and tau imaging; PSMA PET; FDG PET pitfalls",
    ),
    _topic(
        17,
        "vascular",
        "Vascular",
        "Aortic disease; Carotid imaging; Vascular malformations; Mesenteric ischaemia; "
        "Venous thromboembolism; Vasculitis imaging",
    ),
    _topic(
        18,
        "management",
        "Professional issues and management",
        "Quality and safety in radiology; Value-based radiology; Workforce and burnout; "
        "Teleradiology; Sustainable radiology; Leadership in radiology",
    ),
)

REFRESHER_ANGLES = (
    "an update",
    "pearls and pitfalls",
    "what the clinician needs to know",
    "a case-based review",
    "state of the art",
    "from basics to advanced",
    "common errors and how to avoid them",
    "evidence and guidelines",
)
SCIENTIFIC_ANGLES = (
    "original research",
    "clinical studies",
    "quantitative imaging",
    "AI and advanced techniques",
    "outcomes and quality",
)

ECR_RISING_STARS_EXTRA = (
    "Radiologic anatomy: brain",
    "Radiologic anatomy: head and neck",
    "Radiologic anatomy: spine",
    "Radiologic anatomy: pelvis",
    "Radiologic anatomy: heart and great vessels",
    "Basics of MRI physics",
    "Basics of CT physics",
    "Ultrasound basics",
    "Paediatric radiology basics",
    "Interventional radiology basics",
)

ECR_PROS_AND_CONS = (
    SEED_PROS_AND_CONS,
    "Whole-body MRI for cancer screening: yes or no?",
    "AI triage in the emergency department: ready or not?",
    "Radiographer reporting of radiographs: should it be everywhere?",
    "Photon-counting CT: ready for prime time?",
    "Abbreviated MRI protocols: enough for diagnosis?",
    "Night-time teleradiology: solution or problem?",
    "Lung cancer screening: for every smoker?",
)

ECR_EFOMP_WORKSHOPS = (
    (SEED_EFOMP_SERIES, SEED_EFOMP_PARTS),
    (
        "EFOMP Workshop: MR safety management and optimisation",
        (
            "MR safety management and optimisation: management (part A)",
            "MR safety management and optimisation: optimisation (part B)",
        ),
    ),
)

ECR_SOCIETIES = (
    ("ESSR", "msk"),
    ("ESNR", "neuro"),
    ("ESHNR", "head-neck"),
    ("ESTI", "chest"),
    ("ESCR", "cardiac"),
    ("ESGAR", "abdominal"),
    ("ESUR", "genitourinary"),
    ("EUSOBI", "breast"),
    ("ESPR", "paediatric"),
    ("CIRSE", "interventional"),
    ("ESOI", "oncologic"),
    ("ESER", "emergency"),
    ("EFOMP", "physics"),
    ("EuSoMII", "informatics"),
    ("EFRS", "radiographers"),
    ("ESHIMT", "hybrid"),
    ("ESCVIR", "vascular"),
    ("ESMRMB", "physics"),
    ("ISMRM", "neuro"),
    ("EIBIR", "management"),
)

ECR_PLENARIES = (
    ("Opening Ceremony and Presidential Address", 0, "16:30", "18:30"),
    ("Wilhelm Conrad Röntgen Honorary Lecture", 1, "13:30", "16:00"),
    ("Josef Lissner Honorary Lecture", 2, "13:30", "16:00"),
    ("ESR Gold Medal Ceremony", 3, "08:00", "12:30"),
    ("Closing Session and Awards", 4, "08:00", "12:30"),
)

# --------------------------------------------------------------------------
# People: names by region, institutions by country
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Region:
    male: tuple[str, ...]
    female: tuple[str, ...]
    # "Novák/Nováková" where the surname takes a female form.
    surnames: tuple[str, ...]


def _region(male: str, female: str, surnames: str) -> _Region:
    return _Region(_split(male), _split(female), _split(surnames))


REGIONS: dict[str, _Region] = {
    "german": _region(
        "Lukas, Maximilian, Felix, Tobias, Johannes, Matthias, Florian, Stefan, Andreas, "
        "Markus, Philipp, Jonas, Christoph, Michael, Thomas, Daniel",
        "Anna, Katharina, Julia, Sophie, Lena, Laura, Sarah, Christina, Hannah, Eva, Miriam, "
        "Theresa, Johanna, Lisa, Verena, Sabine",
        "Müller, Schmidt, Schneider, Fischer, Weber, Meyer, Wagner, Becker, Hoffmann, Schulz, "
        "Koch, Richter, Bauer, Klein, Wolf, Neumann, Schwarz, Zimmermann, Braun, Hofer, "
        "Gruber, Huber, Steiner, Moser, Brunner, Keller, Frei, Baumann, Lehmann, Krüger",
    ),
    "italian": _region(
        "Marco, Luca, Alessandro, Matteo, Davide, Stefano, Andrea, Giovanni, Paolo, Simone, "
        "Riccardo, Lorenzo, Francesco, Federico, Carlo, Nicola",
        "Giulia, Francesca, Chiara, Sara, Valentina, Elena, Federica, Martina, Silvia, "
        "Alessia, Laura, Beatrice, Giorgia, Paola, Ilaria, Serena",
        "Rossi, Russo, Ferrari, Esposito, Bianchi, Romano, Colombo, Ricci, Marino, Greco, "
        "Bruno, Gallo, Conti, De Luca, Mancini, Costa, Giordano, Rizzo, Lombardi, Moretti, "
        "Barbieri, Fontana, Sala, Galli, Cattaneo, Pellegrini, Ferrara, Villa, Longo, Leone",
    ),
    "french": _region(
        "Julien, Nicolas, Thomas, Antoine, Guillaume, Pierre, Mathieu, Hugo, Romain, "
        "Sébastien, Olivier, Vincent, Jérôme, François, Maxime, Benoît",
        "Camille, Claire, Marie, Léa, Manon, Chloé, Élodie, Pauline, Céline, Inès, Margaux, "
        "Aurélie, Sophie, Émilie, Hélène, Juliette",
        "Martin, Bernard, Dubois, Durand, Lefebvre, Moreau, Laurent, Simon, Michel, Leroy, "
        "Roux, David, Bertrand, Morel, Fournier, Girard, Bonnet, Dupont, Lambert, Fontaine, "
        "Rousseau, Blanc, Guérin, Faure, Mercier, Chevalier, Gauthier, Perrin",
    ),
    "spanish": _region(
        "Javier, Carlos, Alejandro, Daniel, Pablo, Sergio, Jorge, Manuel, Álvaro, Miguel, "
        "David, Adrián, Juan, Diego, Rafael, Íñigo",
        "Lucía, María, Paula, Marta, Laura, Elena, Carmen, Irene, Cristina, Raquel, Beatriz, "
        "Nuria, Ana, Silvia, Rocío, Pilar",
        "García, Fernández, González, Rodríguez, López, Martínez, Sánchez, Pérez, Gómez, "
        "Martín, Jiménez, Ruiz, Hernández, Díaz, Moreno, Álvarez, Romero, Alonso, Gutiérrez, "
        "Navarro, Torres, Domínguez, Vázquez, Ramos, Castro, Ortega",
    ),
    "portuguese": _region(
        "João, Tiago, Pedro, Rui, Miguel, André, Diogo, Nuno, Ricardo, Bruno, Gonçalo, Luís, Rafael, Hugo",
        "Inês, Ana, Mariana, Beatriz, Catarina, Sofia, Joana, Rita, Carolina, Marta, Filipa, Teresa, Luísa, Daniela",
        "Silva, Santos, Ferreira, Pereira, Oliveira, Costa, Rodrigues, Martins, Sousa, "
        "Fernandes, Gonçalves, Gomes, Lopes, Marques, Alves, Almeida, Ribeiro, Pinto, "
        "Carvalho, Teixeira",
    ),
    "dutch": _region(
        "Daan, Bram, Thijs, Ruben, Joost, Sander, Jeroen, Wouter, Koen, Pieter, Maarten, Bart, Stijn, Tom",
        "Sanne, Lotte, Femke, Eva, Anouk, Fleur, Iris, Maaike, Nienke, Marieke, Lieke, Esther, Annelies, Els",
        "de Jong, Jansen, de Vries, van den Berg, van Dijk, Bakker, Janssen, Visser, Smit, "
        "Meijer, de Boer, Mulder, de Groot, Bos, Vos, Peters, Hendriks, van Leeuwen, Dekker, "
        "Brouwer, Peeters, Maes, Claes, Willems, Verhoeven, Jacobs",
    ),
    "english": _region(
        "James, William, Thomas, Daniel, Oliver, Jack, Samuel, Matthew, Benjamin, Andrew, "
        "David, Michael, Robert, Christopher, Patrick, Sean",
        "Emma, Olivia, Charlotte, Sophie, Emily, Grace, Hannah, Rachel, Lucy, Rebecca, "
        "Claire, Sarah, Katherine, Aoife, Niamh, Helen",
        "Smith, Jones, Taylor, Brown, Williams, Wilson, Johnson, Davies, Robinson, Wright, "
        "Thompson, Evans, Walker, White, Roberts, Green, Hall, Wood, Jackson, Clarke, Murphy, "
        "Kelly, O'Brien, Byrne, Walsh, Ryan, Campbell, Stewart",
    ),
    "nordic": _region(
        "Erik, Lars, Anders, Magnus, Johan, Henrik, Mikael, Niklas, Mikko, Jussi, Ole, Rasmus, Sigurd, Fredrik",
        "Ingrid, Karin, Sofia, Elin, Maja, Sigrid, Astrid, Freja, Aino, Liisa, Kari, Mette, Hanna, Linnea",
        "Andersson, Johansson, Karlsson, Nilsson, Eriksson, Larsson, Olsen, Hansen, Johansen, "
        "Pedersen, Nielsen, Jensen, Christensen, Berg, Lund, Virtanen, Korhonen, Mäkinen, "
        "Nieminen, Lindqvist, Holm, Dahl",
    ),
    "polish": _region(
        "Piotr, Tomasz, Paweł, Michał, Krzysztof, Marcin, Jakub, Łukasz, Wojciech, Adam",
        "Anna, Katarzyna, Magdalena, Agnieszka, Joanna, Aleksandra, Monika, Ewa, Małgorzata, Barbara",
        "Nowak, Wójcik, Kowalczyk, Mazur, Krawczyk, Zając, Król, Wieczorek, Wróbel, Dudek, "
        "Pawlak, Sikora, Kowalski/Kowalska, Wiśniewski/Wiśniewska, Lewandowski/Lewandowska, "
        "Kamiński/Kamińska, Zieliński/Zielińska, Szymański/Szymańska",
    ),
    "czech": _region(
        "Jan, Petr, Tomáš, Martin, Jakub, Ondřej, Lukáš, Pavel, Jiří, Vojtěch",
        "Tereza, Lucie, Kateřina, Veronika, Petra, Eliška, Barbora, Hana, Zuzana, Markéta",
        "Novák/Nováková, Svoboda/Svobodová, Novotný/Novotná, Dvořák/Dvořáková, Černý/Černá, "
        "Procházka/Procházková, Kučera/Kučerová, Veselý/Veselá, Horák/Horáková, "
        "Němec/Němcová, Marek/Marková, Pokorný/Pokorná",
    ),
    "greek": _region(
        "Georgios, Dimitrios, Konstantinos, Ioannis, Nikolaos, Panagiotis, Christos, Vasileios, Athanasios, Michail",
        "Maria, Eleni, Aikaterini, Sofia, Georgia, Dimitra, Anastasia, Ioanna, Vasiliki, Evangelia",
        "Papadopoulos/Papadopoulou, Georgiou, Nikolaidis/Nikolaidou, Pappas/Pappa, "
        "Karagiannis/Karagianni, Vlachos/Vlachou, Oikonomou, Antoniou, Dimitriou, "
        "Makris/Makri, Ioannidis/Ioannidou, Christodoulou, Alexiou, Konstantinou",
    ),
    "hungarian": _region(
        "Bence, Gábor, László, Péter, Zoltán, Ádám, Tamás, Balázs, András, Attila",
        "Anna, Eszter, Katalin, Réka, Zsófia, Judit, Nóra, Dóra, Krisztina, Orsolya",
        "Nagy, Kovács, Tóth, Szabó, Horváth, Varga, Kiss, Molnár, Németh, Farkas, Balogh, Papp, Takács, Juhász",
    ),
    "romanian": _region(
        "Andrei, Alexandru, Mihai, Ionuț, Radu, Bogdan, Cristian, Vlad, Adrian, Sorin",
        "Ioana, Andreea, Elena, Maria, Alexandra, Cristina, Raluca, Irina, Diana, Simona",
        "Popescu, Ionescu, Popa, Stan, Dumitru, Stoica, Gheorghe, Matei, Constantin, Rusu, "
        "Munteanu, Marin, Dinu, Tudor",
    ),
    "southslavic": _region(
        "Ivan, Luka, Marko, Matej, Nikola, Tomislav, Jure, Žiga, Ante, Domagoj",
        "Ana, Ivana, Petra, Marija, Maja, Nika, Katarina, Tea, Mojca, Lana",
        "Horvat, Kovačević, Babić, Marić, Jurić, Novak, Kranjc, Zupančič, Knežević, Vidović, "
        "Petrović, Krajnc, Potočnik, Tomić",
    ),
    "turkish": _region(
        "Mehmet, Mustafa, Ahmet, Emre, Burak, Can, Murat, Ali, Serkan, Onur",
        "Ayşe, Elif, Zeynep, Fatma, Merve, Selin, Deniz, Esra, Ebru, Gül",
        "Kaya, Demir, Şahin, Çelik, Öztürk, Arslan, Doğan, Aslan, Özdemir, Koç, Polat, "
        "Korkmaz, Çetin, Kurt, Özkan, Şimşek",
    ),
}

# Which name regions a country draws from (repeats weight a region).
COUNTRY_REGIONS: dict[str, tuple[str, ...]] = {
    "AT": ("german",),
    "DE": ("german",),
    "CH": ("german", "german", "german", "french", "italian"),
    "IT": ("italian",),
    "FR": ("french",),
    "BE": ("dutch", "french"),
    "NL": ("dutch",),
    "ES": ("spanish",),
    "PT": ("portuguese",),
    "BR": ("portuguese",),
    "GB": ("english",),
    "IE": ("english",),
    "US": ("english",),
    "CA": ("english", "english", "french"),
    "AU": ("english",),
    "SE": ("nordic",),
    "NO": ("nordic",),
    "DK": ("nordic",),
    "FI": ("nordic",),
    "PL": ("polish",),
    "CZ": ("czech",),
    "GR": ("greek",),
    "CY": ("greek",),
    "HU": ("hungarian",),
    "RO": ("romanian",),
    "HR": ("southslavic",),
    "SI": ("southslavic",),
    "TR": ("turkish",),
}

# Outside Europe: ESR membership there is "corresponding".
NON_EUROPEAN = frozenset({"US", "CA", "BR", "AU"})


@dataclass(frozen=True)
class _Institution:
    name: str
    domain: str
    country: str
    kind: Literal["clinical", "industry", "press"] = "clinical"


INSTITUTIONS = (
    _Institution("Medical University of Vienna", "meduniwien", "AT"),
    _Institution("Medical University of Innsbruck", "i-med", "AT"),
    _Institution("Medical University of Graz", "medunigraz", "AT"),
    _Institution("Kepler University Hospital Linz", "kepleruniklinikum", "AT"),
    _Institution("Charité Universitätsmedizin Berlin", "charite", "DE"),
    _Institution("LMU Klinikum Munich", "lmu-klinikum", "DE"),
    _Institution("Heidelberg University Hospital", "uni-heidelberg", "DE"),
    _Institution("University Hospital Cologne", "uk-koeln", "DE"),
    _Institution("BG Trauma Centre Murnau", "bgu-murnau", "DE"),
    _Institution("University Medical Center Hamburg-Eppendorf", "uke", "DE"),
    _Institution("Balgrist University Hospital", "balgrist", "CH"),
    _Institution("Ente Ospedaliero Cantonale", "eoc", "CH"),
    _Institution("Inselspital Bern", "insel", "CH"),
    _Institution("Lausanne University Hospital", "chuv", "CH"),
    _Institution("University Hospital Basel", "usb", "CH"),
    _Institution("Geneva University Hospitals", "hug", "CH"),
    _Institution("IRCCS Istituto Ortopedico Galeazzi", "galeazzi", "IT"),
    _Institution("Istituto Ortopedico Rizzoli", "ior", "IT"),
    _Institution("University of Milan", "unimi", "IT"),
    _Institution("Policlinico Universitario A. Gemelli", "gemelli", "IT"),
    _Institution("University of Padova", "unipd", "IT"),
    _Institution("University of Genoa", "unige-it", "IT"),
    _Institution("Hôpital Cochin, AP-HP", "aphp-cochin", "FR"),
    _Institution("CHU de Lille", "chu-lille", "FR"),
    _Institution("Hospices Civils de Lyon", "chu-lyon", "FR"),
    _Institution("CHU de Bordeaux", "chu-bordeaux", "FR"),
    _Institution("Hôpital Lariboisière, AP-HP", "aphp-lariboisiere", "FR"),
    _Institution("Hospital Universitario La Paz", "hulp", "ES"),
    _Institution("Hospital del Mar", "hospitaldelmar", "ES"),
    _Institution("Clínica Universidad de Navarra", "cun", "ES"),
    _Institution("Hospital Universitari Vall d'Hebron", "vallhebron", "ES"),
    _Institution("Hospital Clínic de Barcelona", "clinic-barcelona", "ES"),
    _Institution("Centro Hospitalar Universitário de Lisboa Central", "chulc", "PT"),
    _Institution("Centro Hospitalar Universitário de São João", "chsj", "PT"),
    _Institution("Centro Hospitalar e Universitário de Coimbra", "chuc", "PT"),
    _Institution("Leiden University Medical Center", "lumc", "NL"),
    _Institution("Radboud University Medical Center", "radboudumc", "NL"),
    _Institution("Amsterdam UMC", "amsterdamumc", "NL"),
    _Institution("Erasmus MC", "erasmusmc", "NL"),
    _Institution("Maastricht UMC+", "mumc", "NL"),
    _Institution("Ghent University Hospital", "uzgent", "BE"),
    _Institution("University Hospitals Leuven", "uzleuven", "BE"),
    _Institution("Cliniques universitaires Saint-Luc", "saintluc", "BE"),
    _Institution("Royal National Orthopaedic Hospital", "rnoh", "GB"),
    _Institution("Royal Orthopaedic Hospital Birmingham", "roh", "GB"),
    _Institution("Guy's and St Thomas' NHS Foundation Trust", "gstt", "GB"),
    _Institution("Leeds Teaching Hospitals NHS Trust", "leedsth", "GB"),
    _Institution("Oxford University Hospitals", "ouh", "GB"),
    _Institution("St Vincent's University Hospital", "svuh", "IE"),
    _Institution("Mater Misericordiae University Hospital", "mater", "IE"),
    _Institution("Karolinska University Hospital", "karolinska", "SE"),
    _Institution("Sahlgrenska University Hospital", "sahlgrenska", "SE"),
    _Institution("Skåne University Hospital", "skane", "SE"),
    _Institution("Oslo University Hospital", "ous", "NO"),
    _Institution("Haukeland University Hospital", "helse-bergen", "NO"),
    _Institution("Rigshospitalet", "rigshospitalet", "DK"),
    _Institution("Aarhus University Hospital", "auh", "DK"),
    _Institution("Helsinki University Hospital", "hus", "FI"),
    _Institution("Oulu University Hospital", "oys", "FI"),
    _Institution("Medical University of Warsaw", "wum", "PL"),
    _Institution("University Hospital in Kraków", "su-krakow", "PL"),
    _Institution("Motol University Hospital", "fnmotol", "CZ"),
    _Institution("University Hospital Brno", "fnbrno", "CZ"),
    _Institution("Attikon University Hospital", "attikon", "GR"),
    _Institution("University General Hospital of Heraklion", "pagni", "GR"),
    _Institution("Nicosia General Hospital", "ngh-nicosia", "CY"),
    _Institution("Semmelweis University", "semmelweis", "HU"),
    _Institution("University of Debrecen Clinical Centre", "unideb", "HU"),
    _Institution("Carol Davila University of Medicine and Pharmacy", "umfcd", "RO"),
    _Institution("Emergency County Hospital Cluj-Napoca", "scjucluj", "RO"),
    _Institution("University Hospital Centre Zagreb", "kbc-zagreb", "HR"),
    _Institution("University Medical Centre Ljubljana", "kclj", "SI"),
    _Institution("Hacettepe University Hospitals", "hacettepe", "TR"),
    _Institution("Istanbul University-Cerrahpaşa", "iuc", "TR"),
    _Institution("Hospital for Special Surgery", "hss", "US"),
    _Institution("Mayo Clinic", "mayo", "US"),
    _Institution("Johns Hopkins Hospital", "jhmi", "US"),
    _Institution("University Health Network Toronto", "uhn", "CA"),
    _Institution("Hospital Israelita Albert Einstein", "einstein", "BR"),
    _Institution("Federal University of São Paulo", "unifesp", "BR"),
    _Institution("Royal Melbourne Hospital", "rmh", "AU"),
    _Institution("BK Medical", "bkmedical", "DK", "industry"),
    _Institution("Siemens Healthineers", "siemens-healthineers", "DE", "industry"),
    _Institution("Philips Healthcare", "philips", "NL", "industry"),
    _Institution("GE HealthCare", "gehealthcare", "US", "industry"),
    _Institution("Canon Medical Systems Europe", "canon-medical", "NL", "industry"),
    _Institution("Esaote", "esaote", "IT", "industry"),
    _Institution("Bracco Imaging", "bracco", "IT", "industry"),
    _Institution("Guerbet", "guerbet", "FR", "industry"),
    _Institution("Fujifilm Healthcare Europe", "fujifilm", "DE", "industry"),
    _Institution("Imaging Management Europe", "imaging-management", "BE", "press"),
    _Institution("Radiology Today Europe", "radiology-today", "GB", "press"),
    _Institution("Healthcare in Europe", "healthcare-in-europe", "DE", "press"),
)

# --------------------------------------------------------------------------
# Scales
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _RoomSpec:
    name: str
    capacity: int
    # L, M, S, XS for lecture rooms by size; US for ultrasound labs; EXAM for the exam room.
    size: str
    equipment: dict[Equipment, int] = field(default_factory=dict)
    notes: str = ""


@dataclass(frozen=True)
class _Closure:
    room: str
    day: int
    start: str
    end: str
    reason: str


@dataclass(frozen=True)
class _ScaleSpec:
    slug: str
    name: str
    time_zone: str
    first_day: dt.date
    days: int
    venue: str
    city: str
    day_start: str
    day_end: str
    breaks: tuple[tuple[str, str, str], ...]
    rooms: tuple[_RoomSpec, ...]
    closures: tuple[_Closure, ...]
    faculty: int
    registered_attendees: int
    unregistered: int
    faculty_unavailable: int
    # Weights for an attendee's profile.
    profiles: tuple[tuple[str, int], ...]
    # Weight of a clinical institution by its country (default 1).
    country_weights: dict[str, int]
    # Chance that a radiologist, a resident or a faculty member is an ESSR member.
    essr_share: tuple[float, float, float]
    description: str


def _lecture_equipment(size: str) -> dict[Equipment, int]:
    if size == "L":
        return {
            Equipment.PROJECTOR: 2,
            Equipment.STREAMING: 1,
            Equipment.RECORDING: 1,
            Equipment.INTERPRETATION: 1,
        }
    if size == "M":
        return {Equipment.PROJECTOR: 1, Equipment.STREAMING: 1, Equipment.RECORDING: 1}
    if size == "S":
        return {Equipment.PROJECTOR: 1, Equipment.STREAMING: 1}
    return {Equipment.PROJECTOR: 1}


def _room(name: str, capacity: int, size: str) -> _RoomSpec:
    return _RoomSpec(name, capacity, size, _lecture_equipment(size))


def _us_lab(name: str) -> _RoomSpec:
    return _RoomSpec(
        name,
        40,
        "US",
        {Equipment.ULTRASOUND_STATION: 8, Equipment.LIVE_MODEL_BAY: 8, Equipment.PROJECTOR: 1},
        US_LAB_NOTE,
    )


def _exam_room(name: str, workstations: int) -> _RoomSpec:
    return _RoomSpec(
        name,
        workstations * 3,
        "EXAM",
        {Equipment.EXAM_WORKSTATION: workstations},
        "EDiMSK oral examination: one candidate and two examiners per workstation.",
    )


ESSR = _ScaleSpec(
    slug="essr-2026",
    name="ESSR Annual Meeting 2026",
    time_zone="Europe/Zurich",
    first_day=dt.date(2026, 6, 18),
    days=3,
    venue="Palazzo dei Congressi",
    city="Lugano",
    day_start="08:00",
    day_end="18:30",
    breaks=(
        ("10:30", "11:00", "Coffee break (morning)"),
        ("12:30", "13:30", "Lunch"),
        ("15:30", "16:00", "Coffee break (afternoon)"),
    ),
    rooms=(
        _room("Auditorium", 800, "L"),
        _room("Sala A", 380, "M"),
        _room("Sala B", 240, "M"),
        _room("Sala C", 150, "S"),
        _room("Sala D", 80, "XS"),
        _room("Sala E", 50, "XS"),
        _us_lab("US-Lab"),
        _exam_room("EDiMSK Exam Room", 4),
    ),
    closures=(_Closure("Sala C", 1, "13:30", "18:30", "Reserved for the EDiMSK examiners' meeting"),),
    faculty=80,
    registered_attendees=520,
    unregistered=20,
    faculty_unavailable=12,
    profiles=(
        ("radiologist", 58),
        ("resident", 22),
        ("radiographer", 8),
        ("student", 3),
        ("exhibitor", 7),
        ("press", 2),
    ),
    country_weights={
        "CH": 6,
        "IT": 6,
        "DE": 3,
        "AT": 2,
        "FR": 3,
        "ES": 3,
        "GB": 3,
        "NL": 2,
        "BE": 2,
    },
    essr_share=(0.7, 0.4, 0.92),
    description=(
        "Annual meeting of the European Society of Musculoskeletal Radiology, with refresher "
        "courses, hands-on ultrasound workshops and the on-site EDiMSK oral examination."
    ),
)


def _ecr_rooms() -> tuple[_RoomSpec, ...]:
    large = (("Room A", 3000), ("Room B", 2400), ("Room C", 2000))
    medium = (
        ("Room D", 1000),
        ("Room E", 900),
        ("Room F", 800),
        ("Room G", 700),
        ("Room I", 600),
        ("Room K", 550),
        ("Room L", 500),
    )
    small_caps = (300, 300, 280, 250, 250, 220, 200, 200, 180, 160, 150, 120, 100, 100)
    small = tuple((f"Room {letter}", cap) for letter, cap in zip("MNOPQRSTUVWXYZ", small_caps, strict=True))
    studios = (("Studio 1", 80), ("Studio 2", 60), ("Studio 3", 40))
    return (
        *(_room(n, c, "L") for n, c in large),
        *(_room(n, c, "M") for n, c in medium),
        *(_room(n, c, "S") for n, c in small),
        *(_room(n, c, "XS") for n, c in studios),
        _us_lab("US Lab 1"),
        _us_lab("US Lab 2"),
        _exam_room("EDiMSK Exam Room", 6),
    )


ECR = _ScaleSpec(
    slug="ecr-2027",
    name="European Congress of Radiology 2027",
    time_zone="Europe/Vienna",
    first_day=dt.date(2027, 2, 24),
    days=5,
    venue="Austria Center Vienna",
    city="Vienna",
    day_start="08:00",
    day_end="18:30",
    breaks=(
        ("10:00", "10:30", "Coffee break (morning)"),
        ("12:30", "13:30", "Lunch"),
        ("16:00", "16:30", "Coffee break (afternoon)"),
    ),
    rooms=_ecr_rooms(),
    closures=(
        _Closure("Room Y", 0, "08:00", "12:30", "Set-up for the EuroSafe Imaging exhibition"),
        _Closure("Studio 2", 2, "13:30", "18:30", "Press conference"),
        _Closure("Room D", 4, "13:30", "18:30", "Dismantling"),
    ),
    faculty=1500,
    registered_attendees=23_500,
    unregistered=500,
    faculty_unavailable=120,
    profiles=(
        ("radiologist", 45),
        ("resident", 20),
        ("radiographer", 18),
        ("student", 7),
        ("exhibitor", 8),
        ("press", 2),
    ),
    country_weights={"AT": 4, "DE": 3, "IT": 3, "ES": 2, "FR": 2, "GB": 2, "NL": 2, "CH": 2},
    essr_share=(0.12, 0.05, 0.2),
    description=(
        "The annual meeting of the European Society of Radiology: refresher courses, "
        "scientific sessions, E³ courses, hands-on workshops and society sessions."
    ),
)

SCALES: dict[str, _ScaleSpec] = {"essr": ESSR, "ecr": ECR}

# --------------------------------------------------------------------------
# Time helpers
# --------------------------------------------------------------------------


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _blocks(spec: _ScaleSpec) -> list[tuple[int, int]]:
    """The bookable stretches of one day, in minutes after midnight, between breaks."""
    blocks: list[tuple[int, int]] = []
    start = _minutes(spec.day_start)
    for b_start, b_end, _ in sorted(spec.breaks):
        blocks.append((start, _minutes(b_start)))
        start = _minutes(b_end)
    blocks.append((start, _minutes(spec.day_end)))
    return [(s, e) for s, e in blocks if e > s]


def _bookable_minutes(spec: _ScaleSpec, start: str, end: str) -> int:
    lo, hi = _minutes(start), _minutes(end)
    return sum(max(0, min(hi, e) - max(lo, s)) for s, e in _blocks(spec))


def _fixed_offset(moment: dt.datetime) -> dt.datetime:
    """The same instant with a plain UTC offset, as it reads back from JSON."""
    return moment.replace(tzinfo=dt.timezone(moment.utcoffset() or dt.timedelta(0)))


def _local(spec: _ScaleSpec, day: int, hhmm: str) -> dt.datetime:
    """Local wall-clock time on a congress day, carrying the zone's UTC offset."""
    date = spec.first_day + dt.timedelta(days=day)
    minutes = _minutes(hhmm)
    zone = ZoneInfo(spec.time_zone)
    wall = dt.datetime(date.year, date.month, date.day, minutes // 60, minutes % 60, tzinfo=zone)
    return _fixed_offset(wall)


# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------

_FOLD = str.maketrans({"\u0131": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae", "ß": "ss", "đ": "d"})


@functools.cache
def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return re.sub(r"[^a-z0-9-]", "", folded.encode("ascii", "ignore").decode().lower())


@dataclass
class _Draft:
    """A person before the bundle structs are made."""

    name: str
    email: str
    institution: _Institution
    profile: str


class _People:
    """Makes people with plausible names and unique lower-case emails."""

    def __init__(self, spec: _ScaleSpec, rng: random.Random) -> None:
        self._rng = rng
        self._seen: dict[str, int] = {}
        clinical = [i for i in INSTITUTIONS if i.kind == "clinical"]
        self._clinical = clinical
        self._clinical_weights = [
            spec.country_weights.get(i.country, 1) * (1 if i.country in NON_EUROPEAN else 2) for i in clinical
        ]
        self._industry = [i for i in INSTITUTIONS if i.kind == "industry"]
        self._press = [i for i in INSTITUTIONS if i.kind == "press"]

    def institution(self, profile: str) -> _Institution:
        if profile == "exhibitor":
            return self._rng.choice(self._industry)
        if profile == "press":
            return self._rng.choice(self._press)
        return self._rng.choices(self._clinical, weights=self._clinical_weights)[0]

    def make(self, profile: str) -> _Draft:
        rng = self._rng
        institution = self.institution(profile)
        region = REGIONS[rng.choice(COUNTRY_REGIONS[institution.country])]
        female = rng.random() < 0.5
        first = rng.choice(region.female if female else region.male)
        surname = rng.choice(region.surnames)
        if "/" in surname:
            male_form, female_form = surname.split("/")
            surname = female_form if female else male_form
        local = f"{_ascii(first)}.{_ascii(surname)}"
        key = f"{local}@{institution.domain}"
        count = self._seen.get(key, 0) + 1
        self._seen[key] = count
        if count > 1:
            local = f"{local}{count}"
        email = f"{local}@{institution.domain}.example.org"
        return _Draft(f"{first} {surname}", email, institution, profile)


def _years(rng: random.Random, last: int) -> range:
    start = rng.randint(last - 4, last)
    end = last if rng.random() < 0.88 or start == last else last - 1
    return range(start, end + 1)


def _memberships(spec: _ScaleSpec, rng: random.Random, profile: str, country: str) -> list[MembershipCreate]:
    last = spec.first_day.year
    abroad = country in NON_EUROPEAN
    out: list[MembershipCreate] = []

    def add(society: Society, kind: MembershipType) -> None:
        out.extend(MembershipCreate(society=society, type=kind, year=y) for y in _years(rng, last))

    full = MembershipType.CORRESPONDING if abroad else MembershipType.FULL
    radiologist_essr, resident_essr, faculty_essr = spec.essr_share
    if profile == "faculty":
        if rng.random() < 0.97:
            add(Society.ESR, full)
        if rng.random() < faculty_essr:
            add(Society.ESSR, full)
        if rng.random() < 0.2:
            add(Society.OTHER, MembershipType.FULL)
    elif profile == "radiologist":
        if rng.random() < 0.85:
            add(Society.ESR, full)
        if rng.random() < radiologist_essr:
            add(Society.ESSR, full)
        if rng.random() < 0.15:
            add(Society.OTHER, MembershipType.FULL)
    elif profile == "resident":
        training = MembershipType.CORRESPONDING if abroad else MembershipType.IN_TRAINING
        if rng.random() < 0.8:
            add(Society.ESR, training)
        if rng.random() < resident_essr:
            add(Society.ESSR, training)
    elif profile == "radiographer":
        if rng.random() < 0.6:
            kind = MembershipType.IN_TRAINING if rng.random() < 0.2 else full
            add(Society.ESR, kind)
        if rng.random() < 0.3:
            add(Society.EFRS, MembershipType.FULL)
    elif profile == "student" and rng.random() < 0.6:
        add(Society.ESR, MembershipType.FRIEND)
    return out


def _category(rng: random.Random, profile: str) -> RegistrationCategory:
    if profile == "radiologist":
        return RegistrationCategory.DAY if rng.random() < 0.2 else RegistrationCategory.FULL
    return {
        "faculty": RegistrationCategory.FACULTY,
        "resident": RegistrationCategory.IN_TRAINING,
        "radiographer": RegistrationCategory.RADIOGRAPHER,
        "student": RegistrationCategory.STUDENT,
        "exhibitor": RegistrationCategory.EXHIBITOR,
        "press": RegistrationCategory.PRESS,
    }[profile]


def _registered_at(spec: _ScaleSpec, rng: random.Random, early: bool) -> dt.datetime:
    opening = dt.datetime(spec.first_day.year, spec.first_day.month, spec.first_day.day, tzinfo=dt.UTC)
    days = rng.randint(100, 200) if early or rng.random() < 0.5 else rng.randint(2, 99)
    moment = opening - dt.timedelta(days=days, seconds=rng.randint(0, 86_399))
    if rng.random() < 0.5:
        return moment
    # Local time at the venue, with the offset that applied on that day.
    return _fixed_offset(moment.astimezone(ZoneInfo(spec.time_zone)))


# --------------------------------------------------------------------------
# Programme
# --------------------------------------------------------------------------

ROLE_PATTERNS: dict[ItemKind, tuple[tuple[FacultyRole, ...], ...]] = {
    ItemKind.REFRESHER_COURSE: (
        (FacultyRole.MODERATOR, FacultyRole.SPEAKER, FacultyRole.SPEAKER, FacultyRole.SPEAKER),
        (FacultyRole.CHAIR, FacultyRole.SPEAKER, FacultyRole.SPEAKER),
    ),
    ItemKind.SCIENTIFIC_SESSION: (
        (FacultyRole.MODERATOR, FacultyRole.MODERATOR, FacultyRole.SPEAKER),
        (FacultyRole.CHAIR, FacultyRole.MODERATOR, FacultyRole.SPEAKER),
    ),
    ItemKind.ADVANCED_COURSE: ((FacultyRole.MODERATOR, FacultyRole.SPEAKER, FacultyRole.SPEAKER),),
    ItemKind.MASTER_CLASS: ((FacultyRole.SPEAKER,), (FacultyRole.CHAIR, FacultyRole.SPEAKER)),
    ItemKind.RISING_STARS: ((FacultyRole.MODERATOR, FacultyRole.SPEAKER),),
    ItemKind.DIPLOMA_PREP: ((FacultyRole.SPEAKER, FacultyRole.SPEAKER),),
    ItemKind.COFFEE_AND_TALK: ((FacultyRole.MODERATOR, FacultyRole.SPEAKER),),
    ItemKind.PROS_AND_CONS: ((FacultyRole.MODERATOR, FacultyRole.SPEAKER, FacultyRole.SPEAKER),),
    ItemKind.TRANSATLANTIC_COURSE: (
        (FacultyRole.MODERATOR, FacultyRole.SPEAKER),
        (FacultyRole.CHAIR, FacultyRole.SPEAKER, FacultyRole.SPEAKER),
    ),
    ItemKind.EFOMP_WORKSHOP: ((FacultyRole.SPEAKER, FacultyRole.SPEAKER),),
    ItemKind.SOCIETY_SESSION: (
        (FacultyRole.CHAIR, FacultyRole.SPEAKER, FacultyRole.PANELLIST),
        (FacultyRole.CHAIR, FacultyRole.SPEAKER, FacultyRole.SPEAKER, FacultyRole.PANELLIST),
    ),
    ItemKind.PLENARY: ((FacultyRole.CHAIR, FacultyRole.SPEAKER),),
    ItemKind.HANDS_ON_WORKSHOP: ((FacultyRole.TUTOR,) * 4,),
    ItemKind.QUIZ: ((FacultyRole.MODERATOR, FacultyRole.TUTOR),),
    ItemKind.OTHER: ((FacultyRole.MODERATOR, FacultyRole.SPEAKER, FacultyRole.SPEAKER),),
}

# Which room sizes suit each kind of item, most suitable first.
ROOM_SIZES: dict[ItemKind, tuple[str, ...]] = {
    ItemKind.PLENARY: ("L",),
    ItemKind.REFRESHER_COURSE: ("L", "M"),
    ItemKind.MASTER_CLASS: ("L", "M"),
    ItemKind.PROS_AND_CONS: ("L", "M"),
    ItemKind.TRANSATLANTIC_COURSE: ("L", "M"),
    ItemKind.SCIENTIFIC_SESSION: ("M", "S"),
    ItemKind.ADVANCED_COURSE: ("M", "S"),
    ItemKind.RISING_STARS: ("M", "S"),
    ItemKind.DIPLOMA_PREP: ("M", "S"),
    ItemKind.QUIZ: ("M", "S"),
    ItemKind.OTHER: ("M", "S"),
    ItemKind.EFOMP_WORKSHOP: ("S", "XS"),
    ItemKind.SOCIETY_SESSION: ("S", "XS"),
    ItemKind.COFFEE_AND_TALK: ("XS", "S"),
}

KIND_DESCRIPTIONS: dict[ItemKind, str] = {
    ItemKind.REFRESHER_COURSE: "Refresher course: three lectures on one topic.",
    ItemKind.SCIENTIFIC_SESSION: "Scientific session: oral presentations of accepted abstracts.",
    ItemKind.ADVANCED_COURSE: "E³ Advanced Course: interactive teaching.",
    ItemKind.MASTER_CLASS: "E³ Master Class.",
    ItemKind.RISING_STARS: "E³ Rising Stars basic session for residents.",
    ItemKind.DIPLOMA_PREP: "European Diploma Prep Session.",
    ItemKind.COFFEE_AND_TALK: "Coffee and Talk: open forum.",
    ItemKind.PROS_AND_CONS: "Pros & Cons: two speakers, one question, the audience votes.",
    ItemKind.TRANSATLANTIC_COURSE: "Transatlantic Course, one part of a series held in order.",
    ItemKind.EFOMP_WORKSHOP: "EFOMP workshop in parts; part A comes before part B.",
    ItemKind.SOCIETY_SESSION: "Session of a partner society.",
    ItemKind.PLENARY: "Plenary session.",
    ItemKind.HANDS_ON_WORKSHOP: WORKSHOP_DESCRIPTION,
    ItemKind.QUIZ: "Quiz: cases shown live, answers discussed with the audience.",
    ItemKind.OTHER: "Special focus session.",
}


class _FacultyPicker:
    """Hands out faculty: every member once before anyone twice, never twice per item."""

    def __init__(self, emails: list[str], rng: random.Random) -> None:
        self._pool = emails
        self._queue = list(reversed(emails))
        self._rng = rng
        self.used: set[str] = set()

    def take(self, count: int) -> list[str]:
        chosen: list[str] = []
        while len(chosen) < count:
            if not self._queue:
                self._queue = list(self._pool)
                self._rng.shuffle(self._queue)
            email = self._queue.pop()
            if email in chosen:
                self._queue.insert(0, email)
                continue
            chosen.append(email)
        self.used.update(chosen)
        return chosen


class _Programme:
    """Builds items, spreading their room time over the rooms that suit them."""

    def __init__(self, spec: _ScaleSpec, rng: random.Random, faculty: _FacultyPicker) -> None:
        self.spec = spec
        self.rng = rng
        self.faculty = faculty
        self.items: list[BundleItem] = []
        self._codes: set[str] = set()
        per_day = sum(e - s for s, e in _blocks(spec))
        self._available = {r.name: per_day * spec.days for r in spec.rooms}
        for closure in spec.closures:
            self._available[closure.room] -= _bookable_minutes(spec, closure.start, closure.end)
        self._load = dict.fromkeys(self._available, 0)

    def day(self, index: int) -> dt.date:
        return self.spec.first_day + dt.timedelta(days=index)

    def window(self, day: int, start: str | None = None, end: str | None = None) -> DayWindow:
        return DayWindow(day=self.day(day), start=start or self.spec.day_start, end=end or self.spec.day_end)

    def _place(self, sizes: Sequence[str], minutes: int) -> _RoomSpec:
        rooms = [r for r in self.spec.rooms if r.size in sizes]
        if not rooms:
            rooms = [r for r in self.spec.rooms if r.size in ("L", "M", "S", "XS")]
        best = min(rooms, key=lambda r: (self._load[r.name] + minutes) / self._available[r.name])
        self._load[best.name] += minutes
        return best

    def add(
        self,
        *,
        code: str,
        kind: ItemKind,
        title: str,
        minutes: int,
        topics: Sequence[str] = (),
        runs: int = 1,
        series: str | None = None,
        position: int | None = None,
        follows: Sequence[str] = (),
        windows: Sequence[DayWindow] = (),
        equipment: dict[Equipment, int] | None = None,
        capacity: int | None = None,
    ) -> BundleItem:
        if code in self._codes:
            raise ValueError(f"duplicate item code {code!r}")
        self._codes.add(code)
        room = self._place(("US",), minutes * runs) if equipment else self._place(ROOM_SIZES[kind], minutes * runs)
        limit = min(room.capacity, capacity) if capacity else room.capacity
        attendance = limit if capacity else self.rng.randint(limit * 45 // 100, limit * 90 // 100)
        roles = self.rng.choice(ROLE_PATTERNS[kind])
        emails = self.faculty.take(len(roles))
        item = BundleItem(
            code=code,
            kind=kind,
            title=title,
            duration_minutes=minutes,
            description=KIND_DESCRIPTIONS[kind],
            topics=list(dict.fromkeys(topics)),
            expected_attendance=attendance,
            capacity=capacity,
            runs=runs,
            required_equipment=dict(equipment or {}),
            allowed_windows=list(windows),
            series=series,
            series_position=position,
            follows=list(follows),
            faculty=[BundleFaculty(email=email, role=role) for email, role in zip(emails, roles, strict=True)],
        )
        self.items.append(item)
        return item

    def series(
        self,
        *,
        prefix: str,
        kind: ItemKind,
        name: str,
        titles: Sequence[str],
        minutes: int,
        topics: Sequence[str],
        in_order: bool,
    ) -> None:
        """Items of one series; ``in_order`` makes each part follow the one before."""
        previous: str | None = None
        for position, title in enumerate(titles, start=1):
            code = f"{prefix} {position}"
            self.add(
                code=code,
                kind=kind,
                title=title,
                minutes=minutes,
                topics=topics,
                series=name,
                position=position,
                follows=[previous] if in_order and previous else [],
            )
            previous = code

    def workshops(self, entries: Sequence[tuple[str, str, Sequence[str]]], quiz_codes: Sequence[str]) -> None:
        """Hands-on ultrasound workshops (two runs each) and the ultrasound quiz."""
        for code, title, topics in entries:
            self.add(
                code=code,
                kind=ItemKind.HANDS_ON_WORKSHOP,
                title=title,
                minutes=90,
                topics=topics,
                runs=2,
                equipment={Equipment.ULTRASOUND_STATION: 8, Equipment.LIVE_MODEL_BAY: 8},
                capacity=8 * 3,
            )
        for code in quiz_codes:
            self.add(
                code=code,
                kind=ItemKind.QUIZ,
                title=SEED_US_QUIZ,
                minutes=60,
                topics=("ultrasound",),
                runs=2,
                equipment={Equipment.ULTRASOUND_STATION: 1},
                capacity=36,
            )


def _essr_programme(p: _Programme) -> None:
    rng = p.rng
    p.add(
        code="PL 1",
        kind=ItemKind.PLENARY,
        title="Opening Ceremony and ESSR Presidential Address",
        minutes=60,
        windows=[p.window(0, "08:00", "10:30")],
    )
    for n, (title, topics) in enumerate(ESSR_REFRESHER_COURSES, start=1):
        p.add(
            code=f"RC {n:02d}",
            kind=ItemKind.REFRESHER_COURSE,
            title=title,
            minutes=rng.choice((60, 90)),
            topics=topics,
        )
    for n, (title, topics) in enumerate(ESSR_MASTER_CLASSES, start=1):
        p.add(code=f"MC {n}", kind=ItemKind.MASTER_CLASS, title=title, minutes=60, topics=topics)
    for n, (title, topics) in enumerate(ESSR_PROS_AND_CONS, start=1):
        p.add(code=f"PC {n}", kind=ItemKind.PROS_AND_CONS, title=title, minutes=60, topics=topics)
    p.series(
        prefix="TA",
        kind=ItemKind.TRANSATLANTIC_COURSE,
        name=ESSR_TRANSATLANTIC_SERIES,
        titles=ESSR_TRANSATLANTIC_PARTS,
        minutes=60,
        topics=("sports", "ultrasound"),
        in_order=True,
    )
    for n, (label, topics) in enumerate(ESSR_SCIENTIFIC_SESSIONS, start=1):
        p.add(
            code=f"SS {n:02d}",
            kind=ItemKind.SCIENTIFIC_SESSION,
            title=f"Scientific Session: {label}",
            minutes=rng.choice((60, 90)),
            topics=topics,
        )
    for n, (title, topics) in enumerate(ESSR_ADVANCED_COURSES, start=1):
        p.add(code=f"AC {n}", kind=ItemKind.ADVANCED_COURSE, title=title, minutes=90, topics=topics)
    for n, (title, topics) in enumerate(ESSR_RISING_STARS, start=1):
        p.add(
            code=f"RS {n}",
            kind=ItemKind.RISING_STARS,
            title=title,
            minutes=60,
            topics=topics,
            series=RISING_STARS_SERIES,
            position=n,
        )
    # Before the oral part of the EDiMSK exam on the afternoon of day 2.
    prep_windows = [p.window(0), p.window(1, end="12:30")]
    for n, (title, topics) in enumerate(ESSR_DIPLOMA_PREP, start=1):
        p.add(
            code=f"DP {n}",
            kind=ItemKind.DIPLOMA_PREP,
            title=title,
            minutes=60,
            topics=topics,
            windows=prep_windows,
        )
    p.series(
        prefix="EF",
        kind=ItemKind.EFOMP_WORKSHOP,
        name=SEED_EFOMP_SERIES,
        titles=SEED_EFOMP_PARTS,
        minutes=60,
        topics=("CT", "physics"),
        in_order=True,
    )
    for n, (title, topics) in enumerate(ESSR_SOCIETY_SESSIONS, start=1):
        p.add(
            code=f"SOC {n}",
            kind=ItemKind.SOCIETY_SESSION,
            title=title,
            minutes=60,
            topics=topics,
            windows=[p.window(0)] if n == 1 else [],
        )
    for n, title in enumerate(ESSR_COFFEE_AND_TALK, start=1):
        p.add(
            code=f"CT {n}",
            kind=ItemKind.COFFEE_AND_TALK,
            title=title,
            minutes=30,
            topics=("research",),
        )
    p.workshops(
        [(f"HW {n}", title, topics) for n, (title, topics) in enumerate(SEED_US_WORKSHOPS, start=1)],
        ["USQ"],
    )


def _combinations(rng: random.Random, subjects: Sequence[str], angles: Sequence[str]) -> list[str]:
    titles = [f"{s}: {a}" for s in subjects for a in angles]
    rng.shuffle(titles)
    return titles


def _ecr_programme(p: _Programme) -> None:
    rng = p.rng
    topics = {t.key: t for t in ECR_TOPICS}
    for n, (title, day, start, end) in enumerate(ECR_PLENARIES, start=1):
        p.add(
            code=f"PL {n}",
            kind=ItemKind.PLENARY,
            title=title,
            minutes=60,
            windows=[p.window(day, start, end)],
        )
    for topic in ECR_TOPICS:
        seeded = [title for key, title in SEED_REFRESHER_COURSES if key == topic.key]
        generated = _combinations(rng, topic.subjects, REFRESHER_ANGLES)
        for n in range(1, 10):
            title = seeded[n - 1] if n <= len(seeded) else generated.pop()
            p.add(
                code=f"RC {topic.number}{n:02d}",
                kind=ItemKind.REFRESHER_COURSE,
                title=title,
                minutes=rng.choice((60, 90)),
                topics=(topic.key,),
            )
    for n, (course, title) in enumerate(SEED_ADVANCED_COURSES, start=1):
        key = "emergency" if course.startswith("Hot") else "education"
        p.add(
            code=f"AC {n}",
            kind=ItemKind.ADVANCED_COURSE,
            title=f"{course}: {title}",
            minutes=90,
            topics=(key,),
        )
    for n in range(len(SEED_ADVANCED_COURSES) + 1, 31):
        topic = rng.choice(ECR_TOPICS)
        p.add(
            code=f"AC {n}",
            kind=ItemKind.ADVANCED_COURSE,
            title=f"Advanced Course: {rng.choice(topic.subjects)} in depth",
            minutes=90,
            topics=(topic.key,),
        )
    master = [*SEED_MASTER_CLASSES, *(f"{t.subjects[0]}: expert cases" for t in ECR_TOPICS[:5])]
    for n, title in enumerate(master, start=1):
        p.add(code=f"MC {n}", kind=ItemKind.MASTER_CLASS, title=title, minutes=60)
    for n, title in enumerate(ECR_PROS_AND_CONS, start=1):
        p.add(code=f"PC {n}", kind=ItemKind.PROS_AND_CONS, title=title, minutes=60)
    p.series(
        prefix="TA",
        kind=ItemKind.TRANSATLANTIC_COURSE,
        name=SEED_TRANSATLANTIC_SERIES,
        titles=SEED_TRANSATLANTIC_PARTS,
        minutes=60,
        topics=("neuro", "interventional"),
        in_order=True,
    )
    for topic in ECR_TOPICS:
        titles = _combinations(rng, topic.subjects, SCIENTIFIC_ANGLES)
        for n in range(1, 9):
            p.add(
                code=f"SS {topic.number}{n:02d}",
                kind=ItemKind.SCIENTIFIC_SESSION,
                title=titles.pop(),
                minutes=60,
                topics=(topic.key,),
            )
    p.series(
        prefix="RS",
        kind=ItemKind.RISING_STARS,
        name=RISING_STARS_SERIES,
        titles=[*SEED_RISING_STARS, *ECR_RISING_STARS_EXTRA],
        minutes=60,
        topics=("education",),
        in_order=False,
    )
    for n, topic in enumerate(ECR_TOPICS[:15], start=1):
        p.add(
            code=f"DP {n}",
            kind=ItemKind.DIPLOMA_PREP,
            title=f"European Diploma Prep Session: {topic.label}",
            minutes=60,
            topics=(topic.key,),
        )
    for n, (series, parts) in enumerate(ECR_EFOMP_WORKSHOPS, start=1):
        p.series(
            prefix=f"EF {n}",
            kind=ItemKind.EFOMP_WORKSHOP,
            name=series,
            titles=parts,
            minutes=60,
            topics=("physics",),
            in_order=True,
        )
    society_sessions = [
        ("ESHI(MT) Session", SEED_ESHIMT, "hybrid"),
        *(("EuroSafe Imaging Session", title, "physics") for title in SEED_EUROSAFE),
    ]
    for index, (society, key) in enumerate(ECR_SOCIETIES):
        for subject in rng.sample(topics[key].subjects, 2 if index < 7 else 1):
            society_sessions.append((f"{society} Session", subject, key))
    for n, (society, title, key) in enumerate(society_sessions, start=1):
        p.add(
            code=f"SOC {n}",
            kind=ItemKind.SOCIETY_SESSION,
            title=f"{society}: {title}",
            minutes=60,
            topics=(key,),
            windows=[p.window(rng.randrange(p.spec.days))] if rng.random() < 0.5 else [],
        )
    chats = [
        *SEED_COFFEE_AND_TALK,
        *(f"Open forum: {s}" for s in topics["management"].subjects),
        *(f"Open forum: {s}" for s in topics["radiographers"].subjects[:4]),
    ]
    for n, title in enumerate(chats, start=1):
        p.add(code=f"CT {n}", kind=ItemKind.COFFEE_AND_TALK, title=title, minutes=30)
    for n in range(1, 36):
        topic = rng.choice(ECR_TOPICS)
        p.add(
            code=f"SF {n}",
            kind=ItemKind.OTHER,
            title=f"Special Focus Session: {rng.choice(topic.subjects)}",
            minutes=60,
            topics=(topic.key,),
        )
    p.add(code="IQ 1", kind=ItemKind.QUIZ, title="Image Interpretation Quiz", minutes=60)
    levels = ("basic", "advanced")
    p.workshops(
        [
            (f"HW {n}{level[0].upper()}", f"{title} ({level})", topics)
            for n, (title, topics) in enumerate(SEED_US_WORKSHOPS, start=1)
            for level in levels
        ],
        ["USQ"],
    )


# --------------------------------------------------------------------------
# The bundle
# --------------------------------------------------------------------------


def build_bundle(scale: Scale = "essr", seed: int = 2026) -> Bundle:
    """A whole congress as a bundle; the same arguments always give the same bundle."""
    spec = SCALES[scale]
    rng = random.Random(seed)
    people = _People(spec, rng)

    faculty_drafts = [people.make("radiologist") for _ in range(spec.faculty)]
    for draft in faculty_drafts:
        draft.profile = "faculty"
    picker = _FacultyPicker([d.email for d in faculty_drafts], rng)
    programme = _Programme(spec, rng, picker)
    if scale == "essr":
        _essr_programme(programme)
    else:
        _ecr_programme(programme)
    faculty_drafts = [d for d in faculty_drafts if d.email in picker.used]

    profiles = [name for name, _ in spec.profiles]
    weights = [weight for _, weight in spec.profiles]
    attendees = [
        people.make(rng.choices(profiles, weights)[0]) for _ in range(spec.registered_attendees + spec.unregistered)
    ]
    unregistered = {d.email for d in rng.sample(attendees, spec.unregistered)}

    bundle_people: list[BundlePerson] = []
    registrations: list[BundleRegistration] = []
    for draft in [*faculty_drafts, *attendees]:
        country = draft.institution.country
        bundle_people.append(
            BundlePerson(
                name=draft.name,
                email=draft.email,
                institution=draft.institution.name,
                country=country,
                memberships=_memberships(spec, rng, draft.profile, country),
            )
        )
        if draft.email in unregistered:
            continue
        status = RegistrationStatus.ACTIVE
        if draft.profile != "faculty":
            roll = rng.random()
            if roll < 0.02:
                status = RegistrationStatus.CANCELLED
            elif roll < 0.05:
                status = RegistrationStatus.PENDING
        registrations.append(
            BundleRegistration(
                email=draft.email,
                category=_category(rng, draft.profile),
                status=status,
                registered_at=_registered_at(spec, rng, early=draft.profile == "faculty"),
            )
        )
    diploma = None
    availability = [
        *_room_closures(spec),
        *_faculty_unavailability(spec, rng, programme.items, [d.email for d in faculty_drafts]),
    ]
    if scale == "essr":
        diploma = _essr_diploma(spec, rng, people, bundle_people, registrations, availability, programme.items)
    registrations.sort(key=lambda r: (r.registered_at, r.email))

    return Bundle(
        format="congress-bundle/1",
        congress=_congress(spec),
        rooms=[
            RoomCreate(name=r.name, capacity=r.capacity, equipment=dict(r.equipment), notes=r.notes) for r in spec.rooms
        ],
        people=bundle_people,
        registrations=registrations,
        items=programme.items,
        availability=availability,
        diploma=diploma,
    )


# --------------------------------------------------------------------------
# The EDiMSK diploma sitting
# --------------------------------------------------------------------------

DIPLOMA_CANDIDATES = 24
DIPLOMA_WAITING = 2
DIPLOMA_EXAMINERS = 10  # plus one faculty member who also teaches in the programme
ORAL_WINDOWS = (("09:00", "12:30"), ("13:30", "16:00"))  # on the second congress day
ABSTRACTS = (
    "Shear-wave elastography of the Achilles tendon",
    "MR neurography of the brachial plexus",
    "Dual-energy CT in gout: a multicentre series",
    "Ultrasound-guided calcific tendinopathy lavage outcomes",
    "Cartilage T2 mapping after ACL reconstruction",
    "Whole-body MRI in chronic non-bacterial osteomyelitis",
)


def _accepted(evidence: str) -> Document:
    return Document(status=DocumentStatus.ACCEPTED, evidence=evidence)


def _essr_diploma(
    spec: _ScaleSpec,
    rng: random.Random,
    people: _People,
    bundle_people: list[BundlePerson],
    registrations: list[BundleRegistration],
    availability: list[BundleAvailability],
    items: Sequence[BundleItem],
) -> BundleDiploma:
    """About 24 admitted candidates, two waiting and one not yet eligible; eleven examiners, one of whom
    teaches in the programme, two with conflicts of interest (one declared, one by institution)."""
    year = spec.first_day.year
    by_email = {p.email: p for p in bundle_people}

    def member(draft: _Draft, societies: tuple[Society, ...]) -> BundlePerson:
        memberships = [
            MembershipCreate(society=society, type=MembershipType.FULL, year=y)
            for society in societies
            for y in (year - 1, year)
        ]
        person = BundlePerson(
            name=draft.name,
            email=draft.email,
            institution=draft.institution.name,
            country=draft.institution.country,
            memberships=memberships,
        )
        bundle_people.append(person)
        by_email[person.email] = person
        return person

    # Examiners: ESSR members; the first teaches in the programme (a faculty member of an MSK item).
    teacher_email = next(f.email for item in items if item.kind is ItemKind.REFRESHER_COURSE for f in item.faculty)
    teacher = by_email[teacher_email]
    held = {(m.society, m.year) for m in teacher.memberships}
    teacher.memberships.extend(
        MembershipCreate(society=Society.ESSR, type=MembershipType.FULL, year=y)
        for y in (year - 1, year)
        if (Society.ESSR, y) not in held
    )
    examiners = [teacher] + [
        member(people.make("radiologist"), (Society.ESR, Society.ESSR)) for _ in range(DIPLOMA_EXAMINERS)
    ]
    for person in examiners[1:]:
        registrations.append(
            BundleRegistration(
                email=person.email,
                category=RegistrationCategory.FACULTY,
                registered_at=_registered_at(spec, rng, early=True),
            )
        )
    # Two examiners offer only part of the oral day.
    for person, (start, end) in zip(examiners[2:4], (("09:00", "12:30"), ("13:30", "16:00")), strict=True):
        availability.append(
            BundleAvailability(
                kind=AvailabilityKind.AVAILABLE,
                person=person.email,
                starts_at=_local(spec, 1, start),
                ends_at=_local(spec, 1, end),
                reason="Offered for the orals",
            )
        )

    # Candidates: practising radiologists, ESR and ESSR members in the years of application and exam.
    directors = [p.email for p in rng.sample(bundle_people[: len(bundle_people) // 2], 6)]
    applications: list[BundleApplication] = []
    total = DIPLOMA_CANDIDATES + DIPLOMA_WAITING + 1
    for n in range(total):
        person = member(people.make("radiologist"), (Society.ESR, Society.ESSR))
        registrations.append(
            BundleRegistration(
                email=person.email,
                category=RegistrationCategory.FULL,
                registered_at=_registered_at(spec, rng, early=True),
            )
        )
        received = dt.datetime(year, 3, 1, 9, tzinfo=dt.UTC) + dt.timedelta(days=n, hours=rng.randint(0, 8))
        documents = Documents(
            training_certificate=_accepted("Board certificate (scan)"),
            logbook=_accepted("RIS export, countersigned"),
            letter_of_support=_accepted("Letter of the department head"),
            msk_cme_credits=_accepted("CME transcript"),
            cv=_accepted("CV"),
            meetings=_accepted("Certificates of attendance"),
            abstract=_accepted("Acceptance e-mail"),
            msk_cme_credit_count=rng.randint(52, 140),
            meetings_attended=[
                Meeting(meeting="ESSR", year=year - 1),
                Meeting(meeting="ECR", year=year - rng.randint(1, 3)),
            ],
            abstract_title=rng.choice(ABSTRACTS),
        )
        if n == 5:
            # Not eligible yet: the abstract's acceptance is still under review.
            documents.abstract = Document(status=DocumentStatus.SUBMITTED, evidence="Submission receipt")
        director = directors[n % len(directors)]
        preferred = []
        if n % 7 == 3:
            preferred = [Window(starts_at=_local(spec, 1, "13:30"), ends_at=_local(spec, 1, "16:00"))]
        applications.append(
            BundleApplication(
                email=person.email,
                received_at=received,
                documents=documents,
                programme_director=director,
                letter_writer=director,
                preferred_windows=preferred,
            )
        )
    # A conflict found by institution: one examiner works where a candidate works.
    colleague = examiners[5]
    colleague.institution = by_email[applications[0].email].institution
    return BundleDiploma(
        title=f"EDiMSK {year}: European Diploma in Musculoskeletal Radiology",
        exam_year=year,
        seat_limit=DIPLOMA_CANDIDATES,
        applications_close_at=_fixed_offset(dt.datetime(year, 4, 20, 23, 59, tzinfo=ZoneInfo(spec.time_zone))),
        written_starts_at=_fixed_offset(dt.datetime(year, 5, 13, 10, 0, tzinfo=ZoneInfo(spec.time_zone))),
        oral_windows=[
            Window(starts_at=_local(spec, 1, start), ends_at=_local(spec, 1, end)) for start, end in ORAL_WINDOWS
        ],
        exam_rooms=[r.name for r in spec.rooms if Equipment.EXAM_WORKSTATION in r.equipment],
        examiners=[
            BundleExaminer(
                email=p.email,
                contribution="Teaches ESSR refresher courses"
                if p is teacher
                else "ESSR subcommittee member; MSK publications",
                max_slots=8,
            )
            for p in examiners
        ],
        applications=applications,
        conflicts=[
            BundleConflict(examiner=examiners[1].email, candidate=applications[2].email, reason="Former trainee"),
        ],
    )


def _congress(spec: _ScaleSpec) -> CongressCreate:
    return CongressCreate(
        slug=spec.slug,
        name=spec.name,
        time_zone=spec.time_zone,
        first_day=spec.first_day,
        last_day=spec.first_day + dt.timedelta(days=spec.days - 1),
        venue=spec.venue,
        city=spec.city,
        day_start=spec.day_start,
        day_end=spec.day_end,
        breaks=[BreakWindow(start=s, end=e, label=label) for s, e, label in spec.breaks],
        cme=CmeSettings(credits_per_hour=1.0, daily_cap=6.0, half_day_cap=3.0),
        description=spec.description,
    )


def _room_closures(spec: _ScaleSpec) -> list[BundleAvailability]:
    return [
        BundleAvailability(
            kind=AvailabilityKind.UNAVAILABLE,
            starts_at=_local(spec, c.day, c.start),
            ends_at=_local(spec, c.day, c.end),
            room=c.room,
            reason=c.reason,
        )
        for c in spec.closures
    ]


UNAVAILABILITY_REASONS = (
    "Clinical duties",
    "Travelling",
    "Teaching commitment",
    "Board meeting",
    "On call",
    "Family commitment",
)


def _faculty_unavailability(
    spec: _ScaleSpec, rng: random.Random, items: Sequence[BundleItem], faculty: Sequence[str]
) -> list[BundleAvailability]:
    """Half days or whole days off, never for someone on an item bound to set windows."""
    bound = {f.email for item in items if item.allowed_windows for f in item.faculty}
    candidates = [email for email in faculty if email not in bound]
    lunch = next(b for b in spec.breaks if b[2] == "Lunch")
    spans = ((spec.day_start, lunch[0]), (lunch[1], spec.day_end), (spec.day_start, spec.day_end))
    rows: list[BundleAvailability] = []
    for email in rng.sample(candidates, min(spec.faculty_unavailable, len(candidates))):
        day = rng.randrange(spec.days)
        start, end = rng.choice(spans)
        rows.append(
            BundleAvailability(
                kind=AvailabilityKind.UNAVAILABLE,
                starts_at=_local(spec, day, start),
                ends_at=_local(spec, day, end),
                person=email,
                reason=rng.choice(UNAVAILABILITY_REASONS),
            )
        )
    return rows


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def counts(bundle: Bundle) -> dict[str, int]:
    """The sizes of a bundle, for a report."""
    faculty = {f.email for item in bundle.items for f in item.faculty}
    days = (bundle.congress.last_day - bundle.congress.first_day).days + 1
    return {
        "days": days,
        "rooms": len(bundle.rooms),
        "items": len(bundle.items),
        "runs": sum(item.runs for item in bundle.items),
        "item_minutes": sum(item.duration_minutes * item.runs for item in bundle.items),
        "faculty": len(faculty),
        "people": len(bundle.people),
        "memberships": sum(len(p.memberships) for p in bundle.people),
        "registrations": len(bundle.registrations),
        "availability": len(bundle.availability),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m examples.demo",
        description="Write a generated demo congress bundle as JSON.",
    )
    parser.add_argument("--scale", choices=("essr", "ecr"), default="essr")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, help="output file (default: standard output)")
    parser.add_argument("--pretty", action="store_true", help="indent the JSON")
    args = parser.parse_args(argv)

    bundle = build_bundle(args.scale, args.seed)
    data = msgspec.json.encode(bundle)
    if args.pretty:
        data = msgspec.json.format(data, indent=2)
    report = sys.stderr if args.out is None else sys.stdout
    if args.out is None:
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.flush()
    else:
        args.out.write_bytes(data + b"\n")
    summary = ", ".join(f"{key}={value}" for key, value in counts(bundle).items())
    print(f"{bundle.congress.slug} (seed {args.seed}): {summary}", file=report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
