#pragma once
// The MPI world (MPI C API only), for eigenscope-cli built with EIGENSCOPE_WITH_MPI. Separate from
// eigenscope_core (library eigenscope_mpi) so that the app and a build without MPI never link it.
namespace es::parallel {

// Started by an MPI launcher (mpirun/mpiexec: OMPI_COMM_WORLD_SIZE; Slurm's srun or another PMI:
// PMI_SIZE, PMIX_RANK)? Then MPI_Init runs and world() becomes MPI_COMM_WORLD; true. Otherwise
// nothing happens (false): a plain run pays no MPI start-up and prints no MPI messages.
bool start_mpi_if_launched(int* argc, char*** argv);

// MPI_Finalize, when start_mpi_if_launched started MPI; the world is single-process again.
void finish_mpi();

// MPI_Abort of the whole job (a rank that cannot go on must not leave the others waiting).
[[noreturn]] void abort_mpi(int code);

}  // namespace es::parallel
